import Foundation
@_spi(Fuzzing) import Gatehouse

/// Properties of the two hand-written decoders every token goes through.
enum EncodingProperties {
    /// Whatever the strict reader accepts is JSON by Foundation's reading too, with as many members,
    /// and writing the members back out reads back to the same members.
    static func flatJSON(_ bytes: [UInt8]) {
        guard let object = FlatJSONObject(parsing: bytes) else { return }
        let keys = object.members.map(\.key)
        precondition(Set(keys).count == keys.count, "duplicate keys accepted")
        precondition(keys.count <= FlatJSONObject.maximumMembers, "too many members accepted")
        guard let foundation = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            preconditionFailure("the strict reader accepted what Foundation does not read as a JSON object")
        }
        precondition(foundation.count == keys.count, "the strict reader and Foundation disagree on the members")

        var written = Array("{".utf8)
        for (index, member) in object.members.enumerated() {
            if index > 0 { written.append(UInt8(ascii: ",")) }
            JSONStringLiteral.append(member.key, to: &written)
            written.append(UInt8(ascii: ":"))
            switch member.value {
            case .string(let value): JSONStringLiteral.append(value, to: &written)
            case .integer(let value): written.append(contentsOf: String(value).utf8)
            }
        }
        written.append(UInt8(ascii: "}"))
        guard let reread = FlatJSONObject(parsing: written) else { preconditionFailure("written members do not read back") }
        precondition(
            reread.members.map(\.key) == keys && reread.members.map(\.value) == object.members.map(\.value),
            "members changed in a round trip"
        )
    }

    /// Decoding is canonical (a decoded text is exactly the encoding of its bytes) and encoding
    /// always decodes back.
    static func base64URL(_ bytes: [UInt8]) {
        if let decoded = Base64URL.decode(bytes) {
            precondition(Array(Base64URL.encode(decoded).utf8) == bytes, "two encodings decode to the same bytes")
        }
        precondition(Base64URL.decode(Base64URL.encode(bytes)) == bytes, "an encoding does not decode back")
    }
}
