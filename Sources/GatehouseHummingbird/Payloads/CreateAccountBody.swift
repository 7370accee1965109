/// The body of `POST /v1/accounts`. Only these fields are read; any other field is ignored, so nothing
/// else about the account can be set from outside.
struct CreateAccountBody: Decodable {
    var username: String
    var email: String
    var password: String
}
