import Synchronization

/// What a middleware tells the chain to do next.
public enum PluginStep<Value: Sendable>: Sendable {
    /// Keep the current value and go on (the original's "return undefined" or `exit()`).
    case next
    /// Go on with another value (the original's "return a value" or `replace(v)`).
    case replace(Value)
    /// Stop the whole chain now and make `Value` its result (the original's `finish(v)`).
    case finish(Value)
}

/// An ordered chain of asynchronous middlewares, the hook mechanism of the original (`plugin-hooks`).
///
/// Middlewares run one at a time in list order, each seeing the value the previous one left. Any
/// error stops the chain and is rethrown as is. The list is frozen at the first ``dispatch(_:context:)``:
/// registering afterwards throws ``AccountError/Code/hookFrozen``, because a hook whose middlewares
/// change while requests run would authenticate some requests differently from others.
public final class AsyncPlugin<Value: Sendable, Context: Sendable>: Sendable {
    public typealias Middleware = @Sendable (Value, Context) async throws -> PluginStep<Value>

    /// A registered middleware and its name.
    public struct Entry: Sendable {
        public let name: String
        let run: Middleware
    }

    private struct State {
        var entries: [Entry] = []
        var frozen = false
    }

    /// The hook's name, used in error messages.
    public let name: String
    private let state = Mutex(State())

    public init(name: String) { self.name = name }

    /// The names of the registered middlewares, in order.
    public var middlewares: [String] { state.withLock { $0.entries.map(\.name) } }

    /// Whether the first dispatch has happened.
    public var isFrozen: Bool { state.withLock { $0.frozen } }

    /// Appends a middleware: it runs after those already registered.
    public func push(_ name: String = "unnamed_middleware", _ middleware: @escaping Middleware) throws(AccountError) {
        try register(Entry(name: name, run: middleware), atFront: false)
    }

    /// Prepends a middleware: it runs before those already registered.
    public func unshift(_ name: String = "unnamed_middleware", _ middleware: @escaping Middleware) throws(AccountError) {
        try register(Entry(name: name, run: middleware), atFront: true)
    }

    private func register(_ entry: Entry, atFront: Bool) throws(AccountError) {
        try state.withLock { state throws(AccountError) in
            guard !state.frozen else {
                throw AccountError(.hookFrozen, "Middlewares for \(name) must be registered before its first dispatch.")
            }
            if atFront { state.entries.insert(entry, at: 0) } else { state.entries.append(entry) }
        }
    }

    /// Runs the chain on `value` and returns the value it ends with.
    public func dispatch(_ value: Value, context: Context) async throws -> Value {
        let entries = state.withLock { state in
            state.frozen = true
            return state.entries
        }
        var current = value
        for entry in entries {
            switch try await entry.run(current, context) {
            case .next: continue
            case .replace(let replacement): current = replacement
            case .finish(let result): return result
            }
        }
        return current
    }
}
