import Foundation
import GatehouseTesting
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Primitives")
struct PrimitivesTests {
    @Test(arguments: [
        ("7d", 604_800.0), ("12h", 43_200), ("30s", 30), ("1h", 3_600), ("15m", 900), ("1.5 hours", 5_400),
        ("500", 0.5), ("2 days", 172_800), ("1w", 604_800), ("1y", 31_557_600), ("100ms", 0.1), ("5 MIN", 300),
    ])
    func durationStrings(_ testCase: (String, Double)) throws {
        #expect(try DurationParser.parse(testCase.0).seconds == testCase.1)
    }

    @Test(arguments: ["", "abc", "7 parsecs", "d7", String(repeating: "1", count: 101), "1e5s", "--1s"])
    func invalidDurationStrings(_ text: String) {
        #expect(throws: AccountError(.invalidConfiguration)) { try DurationParser.parse(text) }
    }

    @Test func base64URLRoundTripsAndIsStrict() {
        for length in 0..<70 {
            let bytes = SeededRandomSource(seed: UInt64(length)).bytes(length)
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(Base64URL.decode(encoded) == bytes)
        }
        #expect(Base64URL.decode("AAA=") == nil)
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("AB") == nil, "non-zero trailing bits have no canonical encoding")
        #expect(Base64URL.decode("a+b/") == nil)
        // Scenario 60: 64 random bytes are 86 characters of [A-Za-z0-9_-].
        #expect(Base64URL.encode(SystemRandomSource().bytes(64)).count == 86)
    }

    @Test("The in-place decoder and encoder agree with the allocating ones", arguments: 0..<40)
    func base64URLInPlaceMatches(length: Int) {
        let bytes = SeededRandomSource(seed: UInt64(length) + 100).bytes(length)
        var appended: [UInt8] = [0x2E]
        bytes.withUnsafeBytes { Base64URL.append($0, to: &appended) }
        #expect(appended == [0x2E] + Array(Base64URL.encode(bytes).utf8))

        let encoded = Array(appended.dropFirst())
        var output = [UInt8](repeating: 0, count: length)
        let written = encoded.withUnsafeBufferPointer { text in
            output.withUnsafeMutableBufferPointer { Base64URL.decode(text, into: $0) }
        }
        #expect(written == length && output == bytes)
        // A byte outside the alphabet is refused wherever it sits.
        for position in encoded.indices {
            for bad in [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "/"), 0x00, 0xC3] {
                var broken = encoded
                broken[position] = bad
                #expect(Base64URL.decode(broken) == nil)
                let inPlace = broken.withUnsafeBufferPointer { text in
                    output.withUnsafeMutableBufferPointer { Base64URL.decode(text, into: $0) }
                }
                #expect(inPlace == nil)
            }
        }
    }

    @Test("Only the canonical encoding of a short tail decodes")
    func base64URLTrailingBits() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for last in alphabet.indices {
            // Two characters carry one byte and four spare bits; three carry two bytes and two.
            let two = [UInt8(ascii: "Q"), alphabet[last]]
            #expect((Base64URL.decode(two) != nil) == (last & 0x0F == 0))
            let three = [UInt8(ascii: "Q"), UInt8(ascii: "Q"), alphabet[last]]
            #expect((Base64URL.decode(three) != nil) == (last & 0x03 == 0))
        }
    }

    @Test("The system source returns as many bytes as asked, and different ones each time", arguments: [0, 1, 7, 8, 31, 32, 33, 4_096])
    func systemRandomBytes(count: Int) {
        let random = SystemRandomSource()
        let first = random.bytes(count)
        #expect(first.count == count)
        if count >= 16 { #expect(first != random.bytes(count)) }
    }

    @Test func flatJSONIsStrict() {
        #expect(FlatJSONObject(parsing: Array(#"{"a":"x","b":-12}"#.utf8))?.integer("b") == -12)
        #expect(FlatJSONObject(parsing: Array(#" { "a" : "\u00e9\n" } "#.utf8))?.string("a") == "é\n")
        #expect(FlatJSONObject(parsing: Array(#"{"a":"\ud83d\ude00"}"#.utf8))?.string("a") == "😀")
        for bad in [
            #"{"a":1,"a":2}"#, #"{"a":[1]}"#, #"{"a":true}"#, #"{"a":null}"#, #"{"a":1.0}"#, #"{"a":"\ud83d"}"#,
            #"{"a":"x"}{"#, "{\"a\":\"\u{01}\"}", #"{"a":99999999999999999999}"#, "[]", "", #"{"a":"x",}"#,
        ] {
            #expect(FlatJSONObject(parsing: Array(bad.utf8)) == nil, "\(bad)")
        }
        #expect(FlatJSONObject(parsing: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) == nil, "invalid UTF-8 key")
    }

    @Test func ulidsAreCrockfordAndTimeOrdered() {
        let random = SeededRandomSource(seed: 1)
        let early = Identifiers.ulid(at: Date(timeIntervalSince1970: 1_700_000_000), random: random)
        let late = Identifiers.ulid(at: Date(timeIntervalSince1970: 1_700_000_001), random: random)
        #expect(Identifiers.isULID(early) && Identifiers.isULID(late))
        #expect(early < late)
    }

    @Test func supersededSecretsPackAndUnpack() {
        let secrets = (0..<3).map {
            SupersededSecret(hash: SecretDigest.sha256("s\($0)"), supersededAt: Date(timeIntervalSince1970: 1_700_000_000.123 + Double($0)))
        }
        let unpacked = SupersededSecret.unpack(SupersededSecret.pack(secrets))
        #expect(unpacked.map(\.hash) == secrets.map(\.hash))
        #expect(zip(unpacked, secrets).allSatisfy { abs($0.supersededAt.timeIntervalSince($1.supersededAt)) < 0.001 })
        #expect(SupersededSecret.unpack([1, 2, 3]).isEmpty)
        #expect(SupersededSecret.unpack([]).isEmpty)
    }

    @Test(arguments: [0.0, 0.0004, 0.0005, 0.0015, 0.123_456, 0.999_6, -0.000_5])
    func supersededSecretsInPackedFormReadAsUnpacked(fraction: Double) {
        let base = 1_700_000_000 + fraction
        let secrets = [
            SupersededSecret(hash: SecretDigest.sha256("a"), supersededAt: Date(timeIntervalSince1970: base)),
            SupersededSecret(hash: [1, 2, 3], supersededAt: Date(timeIntervalSince1970: base + 1)),
            SupersededSecret(hash: SecretDigest.sha256("b"), supersededAt: Date(timeIntervalSince1970: base + 2.000_7)),
        ]
        let packedForm = SupersededSecret.packedForm(secrets)
        #expect(packedForm == SupersededSecret.unpack(SupersededSecret.pack(secrets)))
        #expect(packedForm.count == 2)
        #expect(SupersededSecret.packedForm([]).isEmpty)
    }

    @Test func supersededSecretsMatchOnlyTheirDigest() {
        let digest = SecretDigest.sha256("s")
        var secret = SupersededSecret(hash: digest, supersededAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(secret.hash == digest)
        #expect(secret.matches(digest))
        #expect(!secret.matches(SecretDigest.sha256("t")))
        #expect(!secret.matches(Array(digest.prefix(31))))
        secret.hash = SecretDigest.sha256("t")
        #expect(secret.matches(SecretDigest.sha256("t")) && !secret.matches(digest))

        // A value that is not a SHA-256 digest matches nothing and is not stored.
        let short = SupersededSecret(hash: [1, 2, 3], supersededAt: secret.supersededAt)
        #expect(short.hash.isEmpty)
        #expect(!short.matches([1, 2, 3]) && !short.matches([]))
        #expect(SupersededSecret.unpack(SupersededSecret.pack([short, secret])) == [secret])
    }

    @Test func asyncPluginOrderReplaceFinishAndFreeze() async throws {
        let plugin = AsyncPlugin<Int, Void>(name: "test")
        try plugin.push("double") { value, _ in .replace(value * 2) }
        try plugin.unshift("plusOne") { value, _ in .replace(value + 1) }
        try plugin.push("keep") { _, _ in .next }
        #expect(plugin.middlewares == ["plusOne", "double", "keep"])
        #expect(try await plugin.dispatch(3, context: ()) == 8)
        #expect(throws: AccountError(.hookFrozen)) { try plugin.push { _, _ in .next } }

        let finishing = AsyncPlugin<Int, Void>(name: "finishing")
        try finishing.push { _, _ in .finish(100) }
        try finishing.push { _, _ in
            Issue.record("ran after finish")
            return .next
        }
        #expect(try await finishing.dispatch(1, context: ()) == 100)

        struct Boom: Error {}
        let failing = AsyncPlugin<Int, Void>(name: "failing")
        try failing.push { _, _ in throw Boom() }
        try failing.push { _, _ in
            Issue.record("ran after a throw")
            return .next
        }
        await #expect(throws: Boom.self) { try await failing.dispatch(1, context: ()) }

        let empty = AsyncPlugin<Int, Void>(name: "empty")
        #expect(try await empty.dispatch(5, context: ()) == 5)
    }
}
