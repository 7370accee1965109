import Synchronization

/// The context of ``SessionHooks/onRequest``: a scratch space shared by the middlewares of one dispatch.
public final class SessionHooksContext: Sendable {
    private let storage = Mutex<[String: any Sendable]>([:])

    public init() {}

    public subscript(key: String) -> (any Sendable)? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }
}
