/// `{"account":{…},"session":{…}}` (`GET /v1/me`).
struct MeResponse: Encodable {
    var account: AccountPayload
    var session: SessionPayload
}
