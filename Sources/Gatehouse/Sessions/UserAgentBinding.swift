/// The keyed hash of a user agent under one key.
struct UserAgentBinding: Sendable {
    var kid: String
    var hash: String
}
