/// `{"status":"ok"}` (`GET /health`).
struct StatusResponse: Encodable {
    var status = "ok"
}
