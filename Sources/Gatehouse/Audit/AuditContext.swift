/// Who is acting and from where, for the audit events recorded while a piece of work runs: the HTTP
/// middleware binds the client and its session around a request; the admin commands bind an operator.
///
/// A task-local value, so the account and session operations need no extra parameters to say where a
/// change came from; work with no context bound is recorded as the user's, with no client.
public struct AuditContext: Sendable, Equatable {
    public var actor: AuditActor
    /// The client, when one made the request.
    public var client: ConnectionInfo?
    /// The session the request was authenticated with, if any.
    public var sessionID: String?

    public init(actor: AuditActor = .user, client: ConnectionInfo? = nil, sessionID: String? = nil) {
        self.actor = actor
        self.client = client
        self.sessionID = sessionID
    }

    /// The context of the running task, if one was bound.
    @TaskLocal public static var current: AuditContext?

    /// An operator at the admin commands.
    public static let `operator` = AuditContext(actor: .operator)
}
