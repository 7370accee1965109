/// Why ``CBORReader`` refused its input. The reader accepts only the small, canonical subset of CBOR
/// (RFC 8949) that WebAuthn uses, so most cases name a feature that is valid CBOR elsewhere but has no
/// place in authenticator data.
public enum CBORError: Error, Sendable, Equatable {
    /// The input ends inside an item.
    case truncated
    /// A declared length or count is more than the rest of the input could hold.
    case lengthExceedsInput
    /// Bytes follow the one item a whole buffer must hold.
    case trailingBytes
    /// An indefinite-length string, array or map, or a lone "break" byte.
    case indefiniteLength
    /// A tag (major type 6).
    case tagNotAllowed
    /// A half, single or double precision float.
    case floatNotAllowed
    /// A simple value other than `false`, `true` and `null` (`undefined` included).
    case unsupportedSimpleValue
    /// Additional information 28 to 30, or 31 on an integer.
    case invalidAdditionalInformation
    /// An integer or length written in more bytes than it needs.
    case nonCanonicalEncoding
    /// An integer outside `Int64`.
    case integerOutOfRange
    /// Arrays and maps nested deeper than ``CBORReader/maximumDepth``.
    case nestingTooDeep
    /// A text string that is not valid UTF-8.
    case invalidUTF8
    /// A map with the same key twice.
    case duplicateMapKey
}
