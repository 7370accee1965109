import HTTPTypes

extension HTTPField.Name {
    /// The header that carries a renewed token to the client.
    static let authToken = HTTPField.Name("Auth-Token")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// The request header that chooses how a login hands over its token: `cookie` or `bearer`.
    static let gatehouseTransport = HTTPField.Name("Gatehouse-Transport")!
}
