import Synchronization

/// An ordered chain of asynchronous middlewares: the hook mechanism of the Powership API.
///
/// Middlewares run one at a time in list order, each seeing the value the previous one left. Any
/// error stops the chain and is rethrown as is. The list is frozen at the first dispatch: registering
/// afterwards throws ``AccountError/Code/hookFrozen``, because a hook whose middlewares change while
/// requests run would authenticate some requests differently from others.
///
/// A chain may have a built-in step (``SessionHooks/onRequest`` has `sessionHandler`): a named place in
/// the list where its owner's own work runs, so that `unshift` registers before it and `push` after it.
public final class AsyncPlugin<Value: Sendable, Context: Sendable>: Sendable {
    public typealias Middleware = @Sendable (Value, Context) async throws -> PluginStep<Value>

    /// A registered middleware and its name.
    public struct Entry: Sendable {
        public let name: String
        /// `nil` for the built-in step, whose work the owner supplies at dispatch.
        let run: Middleware?
    }

    private struct State {
        var entries: [Entry]
        var frozen = false
    }

    /// The hook's name.
    public let name: String
    private let state: Mutex<State>

    public init(name: String) {
        self.name = name
        self.state = Mutex(State(entries: []))
    }

    /// A chain whose list starts with its owner's built-in step, named `builtInStep`.
    package init(name: String, builtInStep: String) {
        self.name = name
        self.state = Mutex(State(entries: [Entry(name: builtInStep, run: nil)]))
    }

    /// The names of the registered middlewares (and the built-in step), in order.
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
            guard !state.frozen else { throw AccountError.hookFrozen }
            if atFront { state.entries.insert(entry, at: 0) } else { state.entries.append(entry) }
        }
    }

    /// Runs the chain on `value` and returns the value it ends with; a built-in step passes.
    public func dispatch(_ value: Value, context: Context) async throws -> Value {
        try await dispatch(value, context: context, builtIn: { _, _ in .next })
    }

    /// Runs the chain on `value`, with `builtIn` as the work of the built-in step.
    package func dispatch(_ value: Value, context: Context, builtIn: Middleware) async throws -> Value {
        let entries = state.withLock { state in
            state.frozen = true
            return state.entries
        }
        var current = value
        for entry in entries {
            let step = if let run = entry.run { try await run(current, context) } else { try await builtIn(current, context) }
            switch step {
            case .next: continue
            case .replace(let replacement): current = replacement
            case .finish(let result): return result
            }
        }
        return current
    }
}
