/// The body of `POST /v1/login`.
package struct LoginBody: Decodable {
    package var username: String
    package var password: String
}
