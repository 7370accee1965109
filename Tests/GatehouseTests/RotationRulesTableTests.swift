import Foundation
import Testing

@testable import Gatehouse

/// The rotation rules of DESIGN §4 as a table: one row per rule, decided by the pure `RotationRules`
/// with no clock, store or randomness.
@Suite("Rotation rules table")
struct RotationRulesTableTests {
    /// Secrets by name: `current` is the session's newest, `previous` the one it replaced at `rotated`
    /// seconds, `older` superseded at `olderSuperseded` seconds, `unknown` never issued.
    enum Presented: String, Sendable {
        case current, previous, older, unknown
    }

    /// What the decision must be.
    enum Outcome: Equatable, Sendable, CustomStringConvertible {
        case renew
        case renewReplacingLostResponse
        case acceptWithTouch
        case acceptWithoutTouch
        case theft

        var description: String {
            switch self {
            case .renew: "renew"
            case .renewReplacingLostResponse: "renew (lost response)"
            case .acceptWithTouch: "accept, touch"
            case .acceptWithoutTouch: "accept"
            case .theft: "theft"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var presented: Presented
        /// Seconds since the session's creation at which the token is presented.
        var at: Double
        var renewal: RenewalPolicy = .everyRequest
        var forceRenewal = false
        /// Whether any client has presented the current token yet.
        var currentPresented = false
        /// When the current token replaced the previous one, in seconds since creation.
        var rotated: Double = 100
        var olderSuperseded: Double = 90
        /// When the current token was issued (its `iat`), in seconds since creation.
        var issued: Double = 100
        var lastUsed: Double = 100
        var clientMoved = false
        var expected: Outcome

        var testDescription: String { rule }
    }

    static let grace = 30.0

    static let rows: [Row] = [
        // §4: renew-on-request, every request or by interval.
        Row(rule: "current token, every-request policy: renewed", presented: .current, at: 101, expected: .renew),
        Row(
            rule: "current token younger than the interval, not yet presented: accepted and marked presented",
            presented: .current,
            at: 101,
            renewal: .olderThan(.seconds(60)),
            expected: .acceptWithTouch
        ),
        Row(
            rule: "current token younger than the interval, presented and recently used: accepted, nothing written",
            presented: .current,
            at: 101,
            renewal: .olderThan(.seconds(60)),
            currentPresented: true,
            expected: .acceptWithoutTouch
        ),
        Row(
            rule: "current token younger than the interval, last use older than the activity resolution: touched",
            presented: .current,
            at: 200,
            renewal: .olderThan(.seconds(600)),
            currentPresented: true,
            expected: .acceptWithTouch
        ),
        Row(
            rule: "current token younger than the interval, from another address: touched",
            presented: .current,
            at: 101,
            renewal: .olderThan(.seconds(60)),
            currentPresented: true,
            clientMoved: true,
            expected: .acceptWithTouch
        ),
        Row(
            rule: "current token older than the interval: renewed",
            presented: .current,
            at: 161,
            renewal: .olderThan(.seconds(60)),
            expected: .renew
        ),
        Row(
            rule: "current token, explicit refresh: renewed",
            presented: .current,
            at: 101,
            renewal: .olderThan(.seconds(60)),
            forceRenewal: true,
            expected: .renew
        ),
        // §4.1 concurrent burst: any token superseded less than the grace period ago.
        Row(
            rule: "previous token within the grace period: accepted without renewal",
            presented: .previous,
            at: 129,
            expected: .acceptWithoutTouch
        ),
        Row(
            rule: "previous token within the grace period, successor already presented: accepted without renewal",
            presented: .previous,
            at: 129,
            currentPresented: true,
            expected: .acceptWithoutTouch
        ),
        Row(
            rule: "token two renewals old within the grace period: accepted without renewal",
            presented: .older,
            at: 119,
            expected: .acceptWithoutTouch
        ),
        // §4.2 lost response.
        Row(
            rule: "previous token past the grace period, successor never presented: lost response, renewed",
            presented: .previous,
            at: 131,
            expected: .renewReplacingLostResponse
        ),
        // §4.3 theft.
        Row(
            rule: "previous token past the grace period, successor presented: theft",
            presented: .previous,
            at: 131,
            currentPresented: true,
            expected: .theft
        ),
        Row(rule: "token two renewals old past the grace period: theft", presented: .older, at: 121, expected: .theft),
        Row(rule: "a secret this session never issued: theft", presented: .unknown, at: 101, expected: .theft),
    ]

    @Test(arguments: rows)
    func decide(row: Row) {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        func time(_ seconds: Double) -> Date { created.addingTimeInterval(seconds) }
        func digest(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }
        let secrets: [Presented: [UInt8]] = [.current: digest(3), .previous: digest(2), .older: digest(1), .unknown: digest(9)]

        let session = SessionRecord(
            id: "s",
            accountID: "a",
            currentHash: digest(3),
            previousHash: digest(2),
            rotatedAt: time(row.rotated),
            olderSecrets: [SupersededSecret(hash: digest(1), supersededAt: time(row.olderSuperseded))],
            currentPresented: row.currentPresented,
            createdAt: created,
            lastUsedAt: time(row.lastUsed),
            expiresAt: time(86_400),
            ip: "192.0.2.1",
            userAgent: "Agent"
        )
        let client = ConnectionInfo(ip: row.clientMoved ? "198.51.100.9" : "192.0.2.1", userAgent: "Agent")
        let rules = RotationRules(gracePeriod: .seconds(Self.grace), renewal: row.renewal, activityResolution: .seconds(60))
        let decision = rules.decide(
            session: session,
            presentedHash: secrets[row.presented]!,
            tokenIssuedAt: Int64(time(row.issued).timeIntervalSince1970),
            now: time(row.at),
            forceRenewal: row.forceRenewal,
            client: client
        )

        let outcome: Outcome =
            switch decision {
            case .renew(let renewal): renewal.replacesLostResponse ? .renewReplacingLostResponse : .renew
            case .accept(let touch): touch == nil ? .acceptWithoutTouch : .acceptWithTouch
            case .theft: .theft
            }
        #expect(outcome == row.expected)

        // The writes keep the invariants the rows rely on.
        switch decision {
        case .renew(let renewal):
            let update = renewal.update(newHash: digest(4))
            #expect(update.expectedCurrentHash == digest(3), "a renewal is a compare-and-swap on the current secret")
            #expect(update.currentHash == digest(4) && !update.currentPresented)
            if renewal.replacesLostResponse {
                // The presented token stays "previous"; the unreceived successor goes to the history.
                #expect(update.previousHash == digest(2))
                #expect(update.olderSecrets.first?.matches(digest(3)) == true)
            } else {
                #expect(update.previousHash == digest(3))
            }
        case .accept(let touch?):
            #expect(touch.currentHash == digest(3) && touch.expectedCurrentHash == digest(3) && touch.currentPresented)
        default:
            break
        }
    }

    /// Nothing past the grace period, and never more than the history limit, is kept in the history.
    @Test func historyIsBounded() {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let history = (0..<40).map {
            SupersededSecret(hash: [UInt8](repeating: UInt8($0 + 10), count: 32), supersededAt: created.addingTimeInterval(Double($0)))
        }
        let session = SessionRecord(
            id: "s",
            accountID: "a",
            currentHash: [UInt8](repeating: 3, count: 32),
            previousHash: [UInt8](repeating: 2, count: 32),
            rotatedAt: created.addingTimeInterval(40),
            olderSecrets: history,
            createdAt: created,
            lastUsedAt: created,
            expiresAt: created.addingTimeInterval(86_400),
            ip: "192.0.2.1",
            userAgent: "Agent"
        )
        let rules = RotationRules(gracePeriod: .seconds(Self.grace), renewal: .everyRequest, activityResolution: .seconds(60))
        guard
            case .renew(let renewal) = rules.decide(
                session: session,
                presentedHash: session.currentHash,
                tokenIssuedAt: 0,
                now: created.addingTimeInterval(45),
                forceRenewal: false,
                client: ConnectionInfo(ip: "192.0.2.1", userAgent: "Agent")
            )
        else {
            Issue.record("the current token was not renewed")
            return
        }
        let kept = renewal.pending.olderSecrets
        #expect(kept.count <= SupersededSecret.historyLimit)
        #expect(kept.allSatisfy { created.addingTimeInterval(45).timeIntervalSince($0.supersededAt) < Self.grace })
    }
}
