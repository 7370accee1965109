import Foundation
import Testing

@testable import Gatehouse

@Suite("Passwords")
struct PasswordTests {
    /// Scenario 16: the record format of the original, reproduced byte for byte with a fixed salt
    /// (the seed's parameters, N = 2^15: about a second in a debug build).
    @Test func fixedSaltVectorOfTheOriginal() throws {
        let record = try ScryptPasswordHasher.record(password: Array("1234567".utf8), salt: Array(0..<32), logN: 15, r: 8, p: 1)
        #expect(
            Data(record).base64EncodedString()
                == "c2NyeXB0AA8AAAAIAAAAAQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fFKeYVjdgQZpuc6gq1R4wTM9Q1LMbi+hNaA9+m5zbmmTdwtIMGD5uDy6uh+l7B9gq"
        )
    }

    @Test func hashIsSelfDescribingAndVerifies() async throws {
        let hasher = ScryptPasswordHasher(logN: 4)
        let hash = try await hasher.hash("1234567")
        #expect(hash.count == 128)
        let bytes = try #require(Data(base64Encoded: hash))
        #expect(bytes.count == 96)
        #expect(Array(bytes.prefix(8)) == Array("scrypt".utf8) + [0, 4])
        #expect(Array(bytes[8..<16]) == [0, 0, 0, 8, 0, 0, 0, 1])
        #expect(try await hasher.verify("1234567", against: hash))
        #expect(try await hasher.verify("1234568", against: hash) == false)
    }

    @Test(arguments: ["", "not base64!", String(repeating: "A", count: 127), Data(repeating: 1, count: 95).base64EncodedString()])
    func malformedStoredHashIsAMismatchNotACrash(_ stored: String) async throws {
        #expect(try await ScryptPasswordHasher(logN: 4).verify("1234567", against: stored) == false)
    }

    @Test func forgedCostParametersAreRefused() async throws {
        let hasher = ScryptPasswordHasher(logN: 4)
        var bytes = Array(try #require(Data(base64Encoded: try await hasher.hash("1234567"))))
        bytes[7] = 30  // 2^30 rounds would take a gigantic amount of memory
        #expect(try await hasher.verify("1234567", against: Data(bytes).base64EncodedString()) == false)
    }

    /// Scenario 17, inverted: NFC is applied on both sides, so a decomposed password logs in.
    @Test func decomposedPasswordLogsInAfterNormalisation() async throws {
        let world = World()
        let decomposed = "caf" + "e\u{0301}" + "1234"
        try await world.createUser(password: decomposed)
        let result = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: decomposed, request: Fixture.request())
        #expect(result.account.username == Fixture.username)
        // …and with the precomposed form too, since both normalise to the same string.
        _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: "caf\u{00E9}1234", request: Fixture.request())
    }

    @Test func poolRunsWorkOffTheCooperativePoolAndBoundsIt() async throws {
        let pool = BoundedWorkPool(width: 2, label: "test")
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<10 { group.addTask { try await pool.run { index * index } } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<10).map { $0 * $0 })
    }
}
