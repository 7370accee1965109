import HTTPTypes

extension HTTPField.Name {
    /// The header that carries a renewed token to the client.
    static let authToken = HTTPField.Name("Auth-Token")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
