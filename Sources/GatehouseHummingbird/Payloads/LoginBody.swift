/// The body of `POST /v1/login`.
struct LoginBody: Decodable {
    var username: String
    var password: String
}
