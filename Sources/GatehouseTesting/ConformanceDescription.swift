import Foundation
import Gatehouse

// How a failure shows values: enough to find the fault, never raw bytes. A digest shows as the fixture
// that made it (`digest(2)`) or as its length, a fixture date as its offset (`date(60)`), and two
// records of one type as the fields in which they differ.

/// `value` as a failure message shows it.
func describe(_ value: Any) -> String {
    if let leaf = describe(leaf: value) { return leaf }
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
        return mirror.children.first.map { describe($0.value) } ?? "nil"
    case .collection, .set:
        return "[" + mirror.children.map { describe($0.value) }.joined(separator: ", ") + "]"
    case .struct, .class, .tuple:
        let fields = mirror.children.map { child in child.label.map { "\($0): " + describe(child.value) } ?? describe(child.value) }
        return "\(mirror.displayStyle == .tuple ? "" : "\(type(of: value))")(\(fields.joined(separator: ", ")))"
    default:
        return String(describing: value)
    }
}

/// What differs between two values that should be equal.
func mismatch(actual: Any, expected: Any) -> String {
    if let actual = unwrapped(actual), let expected = unwrapped(expected),
        ObjectIdentifier(type(of: actual)) == ObjectIdentifier(type(of: expected)), describe(leaf: actual) == nil
    {
        let actualFields = Mirror(reflecting: actual)
        let expectedFields = Mirror(reflecting: expected)
        if actualFields.displayStyle == .struct, actualFields.children.count == expectedFields.children.count {
            let differences = zip(actualFields.children, expectedFields.children).compactMap { got, wanted -> String? in
                guard let label = got.label, String(reflecting: got.value) != String(reflecting: wanted.value) else { return nil }
                return "\(label) (expected \(describe(wanted.value)), got \(describe(got.value)))"
            }
            if !differences.isEmpty {
                return "\(type(of: actual)) differs in " + differences.joined(separator: ", ")
            }
        }
    }
    return "expected \(describe(expected)), got \(describe(actual))"
}

/// A value shown whole rather than field by field; `nil` for the others.
private func describe(leaf value: Any) -> String? {
    // An empty array of anything casts to `[UInt8]`: only an array of bytes is one.
    if type(of: value) == [UInt8].self, let bytes = value as? [UInt8] { return describe(bytes: bytes) }
    return switch value {
    case let date as Date: describe(date: date)
    case let secret as SupersededSecret: "superseded(\(describe(bytes: secret.hash)) at \(describe(date: secret.supersededAt)))"
    case let string as String: "\"\(string)\""
    case let reason as RevocationReason: reason.rawValue
    case let error as AccountError: error.description
    // Another module's error may put anything in its description: its type is enough to start from.
    case let error as any Error: "\(type(of: error))"
    default: nil
    }
}

/// The value inside an optional, `nil` for an empty one, or the value itself.
private func unwrapped(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first.flatMap { unwrapped($0.value) }
}

private func describe(bytes: [UInt8]) -> String {
    if bytes.count == 32, let first = bytes.first, bytes.allSatisfy({ $0 == first }) { return "digest(\(first))" }
    return "<\(bytes.count) bytes>"
}

private func describe(date: Date) -> String {
    let offset = date.timeIntervalSince(StoreFixture.epoch)
    if offset == offset.rounded(), abs(offset) < 1e12 { return "date(\(Int(offset)))" }
    return "date(\(offset))"
}
