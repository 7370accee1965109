/// What happens to an account's sessions when its password changes.
public enum SessionRevocation: Sendable, Equatable {
    /// Keep every session (as Powership does).
    case none
    /// End every session.
    case all
    /// End every session except this one (the one that changed the password).
    case allExcept(sessionID: String)
}
