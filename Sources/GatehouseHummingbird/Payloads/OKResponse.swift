/// `{"ok":true}` (`POST /v1/logout`).
struct OKResponse: Encodable {
    var ok = true
}
