/// `{"authToken"}` (`POST /v1/refresh`).
struct TokenResponse: Encodable {
    var authToken: String
}
