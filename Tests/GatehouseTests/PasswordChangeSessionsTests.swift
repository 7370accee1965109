import Foundation
import Testing

@testable import Gatehouse

/// A new password ends the account's sessions unless told otherwise: whoever knew the old password may
/// be the reason it changed.
@Suite("Sessions after a password change")
struct PasswordChangeSessionsTests {
    static let client = ConnectionInfo(ip: Fixture.request().requestIp!, userAgent: Fixture.request().userAgent!)

    @Test("By default setPassword ends every session of the account")
    func endsEverySessionByDefault() async throws {
        let world = World()
        let (first, _) = try await world.login()
        let (second, _) = try await world.login()
        try await world.accounts.setPassword(accountID: first.account.accountID, newPassword: "a new password")
        for login in [first, second] {
            await expectAccountError(.invalidSession) { _ = try await world.sessions.authenticate(token: login.authToken, client: Self.client) }
            let stored = try await world.storedSession(login.sessionDocument.id)
            #expect(!stored.valid && stored.revokedReason == .passwordChanged)
        }
        #expect(try await world.accounts.sessions(ofAccount: first.account.accountID).isEmpty)
    }

    @Test("keepsSessionsOnPasswordChange keeps them; an explicit revocation still applies")
    func keepsSessionsWhenConfigured() async throws {
        let world = World { $0.keepsSessionsOnPasswordChange = true }
        let (first, _) = try await world.login()
        let (second, _) = try await world.login()
        try await world.accounts.setPassword(accountID: first.account.accountID, newPassword: "a new password")
        for login in [first, second] {
            #expect(try await world.sessions.authenticate(token: login.authToken, client: Self.client) != nil)
        }
        try await world.accounts.setPassword(
            accountID: first.account.accountID,
            newPassword: "a newer password",
            revoking: .allExcept(sessionID: second.sessionDocument.id)
        )
        #expect(try await world.accounts.sessions(ofAccount: first.account.accountID).map(\.id) == [second.sessionDocument.id])
    }

    @Test("An explicit .none keeps the sessions whatever the default")
    func explicitNone() async throws {
        let world = World()
        let (login, _) = try await world.login()
        try await world.accounts.setPassword(accountID: login.account.accountID, newPassword: "a new password", revoking: SessionRevocation.none)
        #expect(try await world.sessions.authenticate(token: login.authToken, client: Self.client) != nil)
    }
}
