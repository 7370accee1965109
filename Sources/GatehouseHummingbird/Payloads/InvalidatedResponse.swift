/// `{"invalidated":n}` (`DELETE /v1/sessions…`).
struct InvalidatedResponse: Encodable {
    var invalidated: Int
}
