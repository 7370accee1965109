/// How a test request authenticates.
enum Credential: Sendable {
    case none
    case bearer(String)
    case cookie(String)
}
