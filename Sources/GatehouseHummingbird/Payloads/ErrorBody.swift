/// `{"error":{"code":"…","message":"…"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }

    var error: Detail

    init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }

    func encoded() -> [UInt8] {
        // Two strings cannot fail to encode; the fallback only keeps the signature non-throwing.
        (try? JSONPayload.encode(self)) ?? Array(#"{"error":{"code":"InternalError","message":"error"}}"#.utf8)
    }
}
