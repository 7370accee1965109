/// A single-use token just created: ``value`` is shown once (to be sent by e-mail); only its digest is
/// stored.
public struct IssuedToken: Sendable, Equatable {
    public var value: String
    public var record: OneTimeTokenRecord
}
