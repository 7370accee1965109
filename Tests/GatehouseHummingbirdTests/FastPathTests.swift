import Foundation
import Gatehouse
import HTTPTypes
import Testing

@_spi(Fuzzing) @testable import GatehouseHummingbird

/// The hand-written fast paths of the request hot path give exactly what the general code gives.
@Suite("Fast paths")
struct FastPathTests {
    static let dates = [
        Date(timeIntervalSince1970: 1_700_000_000), Date(timeIntervalSince1970: 1_700_000_000.999),
        Date(timeIntervalSince1970: 0.5), Date(timeIntervalSince1970: 4_102_444_799.25),
        // Leap days, the last second of a year, the last second the direct formatting covers, and
        // dates before 1970 (left to the formatter).
        Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 1_709_164_799.5),
        Date(timeIntervalSince1970: 1_830_297_599.999), Date(timeIntervalSince1970: 253_402_300_799),
        Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: -2_208_988_800),
    ]

    static func me(
        userAgent: String = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        email: String = "alice@example.com",
        date: Date = dates[0],
        current: Bool? = nil
    ) -> MeResponse {
        let record = AccountRecord(
            accountID: "01HZX3K2M4N5P6Q7R8S9T0V1W2",
            username: "alice",
            email: email,
            emailVerified: true,
            createdAt: date,
            updatedAt: date
        )
        let session = SessionRecord(
            id: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
            accountID: record.accountID,
            currentHash: Array(repeating: 1, count: 32),
            createdAt: date,
            lastUsedAt: date.addingTimeInterval(61.5),
            expiresAt: date.addingTimeInterval(86_400 * 30),
            ip: "203.0.113.7",
            userAgent: userAgent
        )
        return MeResponse(account: AccountPayload(Account(record)), session: SessionPayload(SessionDocument(session), current: current))
    }

    @Test("The /v1/me body matches JSONEncoder byte for byte", arguments: dates)
    func meBodyMatchesEncoder(date: Date) throws {
        for current in [nil, true, false] as [Bool?] {
            let value = Self.me(date: date, current: current)
            #expect(try #require(value.plainJSON()) == (try JSONPayload.encode(value)))
        }
    }

    @Test("Strings that need escaping are left to JSONEncoder", arguments: ["say \"hi\"", "back\\slash", "tab\there", "é", "line\nbreak"])
    func escapingFallsBack(userAgent: String) throws {
        #expect(Self.me(userAgent: userAgent).plainJSON() == nil)
        #expect(Self.me(email: "a\(userAgent)@example.com").plainJSON() == nil)
    }

    @Test("Slashes are not escaped, as the encoder is configured")
    func slashes() throws {
        let value = Self.me(userAgent: "curl/8.5.0")
        #expect(try #require(value.plainJSON()) == (try JSONPayload.encode(value)))
    }

    /// ASCII `Authorization` values take the byte-wise reading; these cover its every branch, and the
    /// non-ASCII ones the character-wise reading.
    @Test(
        "Bearer credentials are read the same way whatever their shape",
        arguments: [
            ("Bearer abc.def.ghi", "abc.def.ghi", false),
            ("bearer abc", "abc", false),
            ("BEARER abc", "abc", false),
            ("  Bearer   abc  ", "abc", false),
            ("\tBearer abc\t", "abc", false),
            ("Basic dXNlcjpwYXNz", nil, false),
            ("Bearerabc", nil, false),
            ("Bearer\tabc", nil, false),
            ("Bear abc", nil, false),
            ("Bearer", nil, true),
            ("Bearer   ", nil, true),
            ("Bearer a b", nil, true),
            ("Bearer a\tb", nil, true),
            ("Bearer abc!", nil, true),
            ("Bearer " + String(repeating: "a", count: 4097), nil, true),
            ("Bearer " + String(repeating: "a", count: 4096), String(repeating: "a", count: 4096), false),
            ("Bearer é", nil, true),
            ("Bearér abc", nil, false),
            ("", nil, false),
        ] as [(String, String?, Bool)]
    )
    func bearer(value: String, token: String?, throwsError: Bool) throws {
        let headers: HTTPFields = [.authorization: value]
        if throwsError {
            #expect(throws: AccountError(.tokenVerificationFailed)) { try PresentedToken.find(in: headers, cookieName: nil) }
        } else {
            #expect(try PresentedToken.find(in: headers, cookieName: nil)?.token == token)
        }
    }

    @Test("The token68 test accepts exactly RFC 7235's alphabet, over every byte value")
    func token68Alphabet() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(PresentedToken.isToken68(byte) == alphabet.contains(byte), "byte \(byte)")
        }
    }
}
