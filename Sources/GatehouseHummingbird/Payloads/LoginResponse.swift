/// `{"authToken","session":{…},"account":{…}}` (`POST /v1/login`).
struct LoginResponse: Encodable {
    var authToken: String
    var session: SessionPayload
    var account: AccountPayload
}
