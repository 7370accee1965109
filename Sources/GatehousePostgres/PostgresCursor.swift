import NIOCore
import PostgresNIO

/// Reads the cells of one row left to right, so that decoders follow the order of their column list
/// instead of repeating indices.
struct PostgresCursor {
    /// A stored value that no Swift value corresponds to (a kind written by a newer version, say).
    struct UnknownValue: Error {
        var column: String
    }

    private let row: PostgresRandomAccessRow
    private var index = 0

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    mutating func next<Value: PostgresDecodable>(_ type: Value.Type) throws -> Value {
        defer { index += 1 }
        return try row[index].decode(Value.self)
    }

    mutating func nextBytes() throws -> [UInt8] {
        Array(try next(ByteBuffer.self).readableBytesView)
    }

    mutating func nextOptionalBytes() throws -> [UInt8]? {
        try next(ByteBuffer?.self).map { Array($0.readableBytesView) }
    }

    mutating func skip(_ count: Int) {
        index += count
    }
}
