import Gatehouse

/// A broken rule inside a check, before ``StoreConformanceCheck/run(on:)`` names the check.
struct Mismatch: Error {
    let message: String
    let fileID: String
    let filePath: String
    let line: Int
}

/// Fails unless `condition` holds; `message` says what should have been true.
func expect(
    _ condition: Bool,
    _ message: @autoclosure () -> String,
    fileID: String = #fileID,
    filePath: String = #filePath,
    line: Int = #line
) throws {
    guard condition else { throw Mismatch(message: message(), fileID: fileID, filePath: filePath, line: line) }
}

/// Fails unless `actual` equals `expected`; `what` names the value ("account(username:)").
func expectEqual<Value: Equatable>(
    _ actual: Value,
    _ expected: Value,
    _ what: @autoclosure () -> String,
    fileID: String = #fileID,
    filePath: String = #filePath,
    line: Int = #line
) throws {
    guard actual != expected else { return }
    throw Mismatch(message: "\(what()): \(mismatch(actual: actual, expected: expected))", fileID: fileID, filePath: filePath, line: line)
}

/// Fails unless `value` is `nil`; `what` names the value.
func expectNil<Value>(
    _ value: Value?,
    _ what: @autoclosure () -> String,
    fileID: String = #fileID,
    filePath: String = #filePath,
    line: Int = #line
) throws {
    guard let value else { return }
    throw Mismatch(message: "\(what()): expected nil, got \(describe(value))", fileID: fileID, filePath: filePath, line: line)
}

/// The value, or a failure when it is `nil`; `what` names the value.
func unwrap<Value>(
    _ value: Value?,
    _ what: @autoclosure () -> String,
    fileID: String = #fileID,
    filePath: String = #filePath,
    line: Int = #line
) throws -> Value {
    guard let value else { throw Mismatch(message: "\(what()): expected a value, got nil", fileID: fileID, filePath: filePath, line: line) }
    return value
}

/// Fails unless `body` throws an `AccountError` with `code` (and `detail`, when given); returns it.
@discardableResult
func expectAccountError(
    _ code: AccountError.Code,
    detail: AccountError.Detail? = nil,
    _ what: @autoclosure () -> String,
    fileID: String = #fileID,
    filePath: String = #filePath,
    line: Int = #line,
    _ body: () async throws -> Void
) async throws -> AccountError {
    let expected = detail.map { "AccountError(\(code), \($0.rawValue))" } ?? "AccountError(\(code))"
    func fail(_ outcome: String) -> Mismatch {
        Mismatch(message: "\(what()): expected \(expected), \(outcome)", fileID: fileID, filePath: filePath, line: line)
    }
    do {
        try await body()
    } catch let error as AccountError {
        guard error.code == code, detail == nil || error.detail == detail else { throw fail("got \(error)") }
        return error
    } catch {
        throw fail("got \(describe(error))")
    }
    throw fail("nothing was thrown")
}
