/// Thrown when a hook fails after the request's token was renewed: the renewal is committed, so the
/// old token is superseded, and a caller that only saw the hook's error would leave the client without
/// the only token that still works. Deliver ``authToken`` with the error response, then handle
/// ``underlying`` as the hook meant.
public struct RenewedSessionError: Error, Sendable, CustomStringConvertible {
    /// What the hook threw.
    public let underlying: any Error
    /// The token the client must hold from now on.
    public let authToken: String

    public init(underlying: any Error, authToken: String) {
        self.underlying = underlying
        self.authToken = authToken
    }

    /// The hook's error; the token is left out.
    public var description: String { "RenewedSessionError(\(underlying))" }
}
