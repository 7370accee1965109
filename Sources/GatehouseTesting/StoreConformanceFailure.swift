/// A rule of the store protocols that a store broke, as reported by a ``StoreConformanceCheck``.
///
/// The ``message`` says what was expected and what the store did. Values are shown only as far as
/// a developer needs them to find the fault: digests appear as the fixture that made them
/// (`digest(2)`) or as their length, never as bytes.
///
/// ``fileID``, ``filePath`` and ``line`` point at the assertion inside the check that failed, which is
/// where to read what the rule is.
public struct StoreConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The ``StoreConformanceCheck/name`` of the check that failed.
    public let check: String
    /// What the check expected and what the store did instead.
    public let message: String
    /// The file of the failed assertion, as `#fileID` spells it (`GatehouseTesting/StoreConformance+Accounts.swift`).
    public let fileID: String
    /// The same file as a full path, as `#filePath` spells it.
    public let filePath: String
    /// The line of the failed assertion.
    public let line: Int
    /// The error the store threw, when the failure is an error the check did not expect.
    public let underlyingError: (any Error)?

    /// Creates a failure; the checks make these themselves, but a caller's own checks may too.
    public init(
        check: String,
        message: String,
        underlyingError: (any Error)? = nil,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) {
        self.check = check
        self.message = message
        self.underlyingError = underlyingError
        self.fileID = fileID
        self.filePath = filePath
        self.line = line
    }

    /// The check, the message and the place: `A token is consumed once: … (GatehouseTesting/StoreConformance+Tokens.swift:42)`.
    public var description: String {
        "\(check): \(message) (\(fileID):\(line))"
    }
}
