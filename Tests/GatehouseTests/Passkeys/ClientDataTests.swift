import Foundation
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Passkeys: collected client data")
struct PasskeyClientDataTests {
    static let challenge: [UInt8] = Array(0..<32)
    static let encodedChallenge = Base64URL.encode(challenge)

    @Test func aRegistrationsClientDataParses() throws {
        let json = #"{"type":"webauthn.create","challenge":"\#(Self.encodedChallenge)","origin":"http://localhost:8080","crossOrigin":false}"#
        let data = try CollectedClientData(bytes: Array(json.utf8))
        #expect(data.type == .create)
        #expect(data.challenge == Self.challenge)
        #expect(data.origin == "http://localhost:8080")
        #expect(data.crossOrigin == false)
        #expect(data.topOrigin == nil)
        #expect(data.rawBytes == Array(json.utf8))
    }

    @Test func aLoginsClientDataParsesAndUnknownMembersAreIgnored() throws {
        let json = """
            {"type":"webauthn.get","challenge":"\(Self.encodedChallenge)","origin":"https://example.test",
             "crossOrigin":true,"topOrigin":"https://top.example.test",
             "other_keys_can_be_added_here":"do not compare clientDataJSON against a template","tokenBinding":{"status":"present"}}
            """
        let data = try CollectedClientData(bytes: Array(json.utf8))
        #expect(data.type == .get)
        #expect(data.crossOrigin == true)
        #expect(data.topOrigin == "https://top.example.test")
        // Kept exactly as received, whitespace included: the signature covers these bytes.
        #expect(data.rawBytes == Array(json.utf8))
    }

    @Test func optionalMembersMayBeAbsent() throws {
        let data = try CollectedClientData(bytes: Array(#"{"type":"webauthn.get","challenge":"","origin":"o"}"#.utf8))
        #expect(data.crossOrigin == nil && data.topOrigin == nil && data.challenge.isEmpty)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: PasskeyDataError
        var testDescription: String { name }

        init(_ name: String, _ json: String, _ expected: PasskeyDataError) {
            self.init(name, bytes: Array(json.utf8), expected)
        }

        init(_ name: String, bytes: [UInt8], _ expected: PasskeyDataError) {
            self.name = name
            self.bytes = bytes
            self.expected = expected
        }
    }

    static let refusals: [Refusal] = [
        Refusal("empty", "", .malformedClientData),
        Refusal("not JSON", "type=webauthn.get", .malformedClientData),
        Refusal("an array", #"[{"type":"webauthn.get","challenge":"AAAA","origin":"o"}]"#, .malformedClientData),
        Refusal("a string", #""webauthn.get""#, .malformedClientData),
        Refusal("missing type", #"{"challenge":"AAAA","origin":"o"}"#, .malformedClientData),
        Refusal("missing challenge", #"{"type":"webauthn.get","origin":"o"}"#, .malformedClientData),
        Refusal("missing origin", #"{"type":"webauthn.get","challenge":"AAAA"}"#, .malformedClientData),
        Refusal("type as a number", #"{"type":1,"challenge":"AAAA","origin":"o"}"#, .malformedClientData),
        Refusal("challenge as bytes", #"{"type":"webauthn.get","challenge":[0,0,0],"origin":"o"}"#, .malformedClientData),
        Refusal("origin as null", #"{"type":"webauthn.get","challenge":"AAAA","origin":null}"#, .malformedClientData),
        Refusal("crossOrigin as a string", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","crossOrigin":"false"}"#, .malformedClientData),
        Refusal("crossOrigin as a number", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","crossOrigin":1}"#, .malformedClientData),
        Refusal("topOrigin as a boolean", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","topOrigin":true}"#, .malformedClientData),
        Refusal("truncated", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o""#, .malformedClientData),
        Refusal(
            "invalid UTF-8",
            bytes: Array(#"{"type":"webauthn.get","challenge":"AAAA","origin":""#.utf8) + [0xFF, 0x22, 0x7D],
            .malformedClientData
        ),
        Refusal(
            "too large",
            bytes: Array(#"{"type":"webauthn.get","challenge":"AAAA","origin":"o","x":""#.utf8) + Array(repeating: 0x61, count: 16_384) + [
                0x22, 0x7D,
            ],
            .malformedClientData
        ),
        Refusal("two types", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","type":"webauthn.create"}"#, .malformedClientData),
        Refusal("two challenges", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","challenge":"BBBB"}"#, .malformedClientData),
        Refusal("two origins", #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","origin":"p"}"#, .malformedClientData),
        Refusal(
            "two crossOrigins",
            #"{"type":"webauthn.get","challenge":"AAAA","origin":"o","crossOrigin":false,"crossOrigin":true}"#,
            .malformedClientData
        ),
        Refusal("another type", #"{"type":"payment.get","challenge":"AAAA","origin":"o"}"#, .unsupportedClientDataType),
        Refusal("type in capitals", #"{"type":"WEBAUTHN.GET","challenge":"AAAA","origin":"o"}"#, .unsupportedClientDataType),
        Refusal("padded challenge", #"{"type":"webauthn.get","challenge":"AAA=","origin":"o"}"#, .invalidChallengeEncoding),
        Refusal("standard base64 challenge", #"{"type":"webauthn.get","challenge":"a+b/","origin":"o"}"#, .invalidChallengeEncoding),
        Refusal("challenge of impossible length", #"{"type":"webauthn.get","challenge":"AAAAA","origin":"o"}"#, .invalidChallengeEncoding),
        Refusal("challenge with stray bits", #"{"type":"webauthn.get","challenge":"AB","origin":"o"}"#, .invalidChallengeEncoding),
        Refusal("challenge with a space", #"{"type":"webauthn.get","challenge":"AAAA AAAA","origin":"o"}"#, .invalidChallengeEncoding),
    ]

    @Test(arguments: refusals)
    func malformedClientDataIsRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try CollectedClientData(bytes: refusal.bytes) }
    }
}
