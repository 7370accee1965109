/// `{"sessions":[…]}` (`GET /v1/sessions`).
struct SessionsResponse: Encodable {
    var sessions: [SessionPayload]
}
