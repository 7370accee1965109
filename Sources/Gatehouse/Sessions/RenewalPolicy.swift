/// When a presented, current token is replaced by a new one.
public enum RenewalPolicy: Sendable, Equatable {
    /// Every authenticated request gets a new token (the default, as in Powership).
    case everyRequest
    /// A token is renewed once it is older than the interval; younger tokens are accepted as they are.
    case olderThan(Duration)
}
