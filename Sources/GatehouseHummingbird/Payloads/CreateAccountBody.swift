/// The body of `POST /v1/accounts`. Only these fields are read; any other field is ignored, so nothing
/// else about the account can be set from outside.
package struct CreateAccountBody: Decodable {
    package var username: String
    package var email: String
    package var password: String
}
