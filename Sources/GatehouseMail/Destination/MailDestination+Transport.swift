extension MailDestination {
    /// Why a destination cannot be used; never repeats a password.
    public struct TransportError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The transport that delivers to this destination.
    ///
    /// - Parameter secret: The secret that signs requests to an HTTP endpoint; required for one.
    /// - Throws: ``TransportError`` for an SMTP configuration that cannot work (trust roots that cannot
    ///   be read, say), an HTTP endpoint without a secret, or a directory that cannot be created.
    public func transport(secret: String?) throws(TransportError) -> any MailTransport {
        switch self {
        case .smtp(let configuration):
            do {
                return try SMTPTransport(configuration: configuration)
            } catch {
                throw TransportError(description: "the SMTP settings cannot work: \(error)")
            }
        case .http(let url):
            guard let secret else { throw TransportError(description: "an HTTP mail endpoint needs a secret to sign its requests") }
            return HTTPMailTransport(url: url, secret: secret)
        case .directory(let path):
            let transport = FileMailTransport(directory: path)
            do {
                try transport.prepare()
            } catch {
                throw TransportError(description: "\(error.reason): \(path)")
            }
            return transport
        }
    }
}
