import Gatehouse

/// One rule of the store protocols, checked against a store: uniqueness of usernames, compare-and-swap
/// of session updates, single use of tokens…
///
/// A check needs a store of its own, fresh and empty, ready for use: migrated, with its
/// `GatehouseStore.backgroundServices(logger:)` running. Preparing it and disposing of it afterwards
/// is the caller's job, so that a check runs the same way against an in-memory store and against a
/// database behind a connection pool. ``StoreConformance/checks`` lists every check.
///
/// ```swift
/// let check = StoreConformance.checks[0]
/// try await check.run(on: MyStore())
/// ```
public struct StoreConformanceCheck: Sendable, Identifiable, CustomStringConvertible {
    /// A stable identifier, `concern.rule` (`accounts.username-conflict`), for selecting checks and for
    /// test tools that name each argument of a parameterised test.
    public let id: String
    /// The rule, as a sentence: "A taken username is a conflict that leaves nothing behind".
    public let name: String
    /// The part of the store protocols the rule is about.
    public let concern: StoreConformance.Concern

    private let body: @Sendable (any GatehouseStore) async throws -> Void
    private let fileID: String
    private let filePath: String
    private let line: Int

    init(
        _ concern: StoreConformance.Concern,
        _ rule: String,
        _ name: String,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line,
        _ body: @escaping @Sendable (any GatehouseStore) async throws -> Void
    ) {
        self.id = "\(concern.rawValue).\(rule)"
        self.name = name
        self.concern = concern
        self.body = body
        self.fileID = fileID
        self.filePath = filePath
        self.line = line
    }

    /// The concern and the rule: "Accounts: A taken username is a conflict that leaves nothing behind".
    public var description: String { "\(concern.title): \(name)" }

    /// Runs the check against `store`, which must be fresh, empty and ready for use.
    ///
    /// The check stops at the first broken rule. It leaves records behind in `store`: give the next
    /// check a new one.
    ///
    /// - Throws: ``StoreConformanceFailure`` when the store breaks the rule, or throws an error the rule
    ///   does not allow (the failure then carries it as ``StoreConformanceFailure/underlyingError``).
    public func run(on store: any GatehouseStore) async throws {
        do {
            try await body(store)
        } catch let mismatch as Mismatch {
            throw StoreConformanceFailure(
                check: name,
                message: mismatch.message,
                fileID: mismatch.fileID,
                filePath: mismatch.filePath,
                line: mismatch.line
            )
        } catch {
            throw StoreConformanceFailure(
                check: name,
                message: "the store threw \(describe(error)), which the rule does not allow",
                underlyingError: error,
                fileID: fileID,
                filePath: filePath,
                line: line
            )
        }
    }
}
