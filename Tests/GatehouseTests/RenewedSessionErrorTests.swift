import Foundation
import Testing

@testable import Gatehouse

/// A hook that throws after the token was renewed: the renewal is committed and the presented token is
/// superseded, so the error carries the new token (``RenewedSessionError``) for the caller to deliver;
/// without a renewal the hook's error comes through as it is.
@Suite("Hooks failing after a renewal")
struct RenewedSessionErrorTests {
    struct HookFailure: Error, Equatable {}

    static let client = ConnectionInfo(ip: Fixture.request().requestIp!, userAgent: Fixture.request().userAgent!)

    /// Runs `body` and returns the `RenewedSessionError` it throws, recording an issue otherwise.
    static func renewedSessionError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> RenewedSessionError?
    {
        do {
            try await body()
            Issue.record("expected a RenewedSessionError, nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as RenewedSessionError {
            return error
        } catch {
            Issue.record("expected a RenewedSessionError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Checks that `error` carries a new, working token and the hook's error, and hides the token.
    static func expectDelivers(
        _ error: RenewedSessionError?,
        replacing old: String,
        in world: World,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        let error = try #require(error, sourceLocation: sourceLocation)
        #expect(error.underlying is HookFailure, "the hook's own error: \(error.underlying)", sourceLocation: sourceLocation)
        #expect(error.authToken != old, sourceLocation: sourceLocation)
        #expect(!"\(error)".contains(error.authToken), "the description leaves the token out", sourceLocation: sourceLocation)
        let next = try await world.sessions.authenticate(token: error.authToken, client: client)
        #expect(next?.account.username == Fixture.username, "the new token works", sourceLocation: sourceLocation)
    }

    @Test("trySetSession: onRefreshTokens throws after the rotation")
    func trySetSessionRefreshHook() async throws {
        let world = World()
        try world.sessions.hooks.onRefreshTokens.push { _, _ in throw HookFailure() }
        let (login, _) = try await world.login()
        let request = Fixture.request(token: login.authToken)
        let error = await Self.renewedSessionError { _ = try await world.sessions.trySetSession(request) }
        try await Self.expectDelivers(error, replacing: login.authToken, in: world)
        #expect(request.authToken == error?.authToken, "the request holds the new token too")
    }

    @Test("handleRequest: onRefreshTokens throws after the rotation")
    func handleRequestRefreshHook() async throws {
        let world = World()
        try world.sessions.hooks.onRefreshTokens.push { _, _ in throw HookFailure() }
        let (login, _) = try await world.login()
        let error = await Self.renewedSessionError { try await world.sessions.handleRequest(Fixture.request(token: login.authToken)) }
        try await Self.expectDelivers(error, replacing: login.authToken, in: world)
    }

    @Test("handleRequest: an onRequest middleware after the session handler throws")
    func handleRequestAfterSessionHandler() async throws {
        let world = World()
        try world.sessions.hooks.onRequest.push { _, _ in throw HookFailure() }
        #expect(world.sessions.hooks.onRequest.middlewares == ["sessionHandler", "unnamed_middleware"])
        let (login, _) = try await world.login()
        let error = await Self.renewedSessionError { try await world.sessions.handleRequest(Fixture.request(token: login.authToken)) }
        try await Self.expectDelivers(error, replacing: login.authToken, in: world)
    }

    @Test("Without a renewal (interval policy, token accepted) the hook's error comes through unwrapped")
    func noRenewalNoWrapping() async throws {
        let world = World { $0.sessions.renewal = .olderThan(.seconds(3_600)) }
        try world.sessions.hooks.onRefreshTokens.push { _, _ in throw HookFailure() }
        let (login, _) = try await world.login()
        let request = Fixture.request(token: login.authToken)
        await #expect(throws: HookFailure()) { _ = try await world.sessions.trySetSession(request) }
        await #expect(throws: HookFailure()) { try await world.sessions.handleRequest(Fixture.request(token: login.authToken)) }
        #expect(request.authToken == login.authToken && !request.tokenRenewed)

        let other = World { $0.sessions.renewal = .olderThan(.seconds(3_600)) }
        try other.sessions.hooks.onRequest.push { _, _ in throw HookFailure() }
        let (otherLogin, _) = try await other.login()
        await #expect(throws: HookFailure()) { try await other.sessions.handleRequest(Fixture.request(token: otherLogin.authToken)) }
    }

    @Test("A middleware before the session handler throws before anything is renewed: unwrapped, the token unchanged")
    func beforeSessionHandler() async throws {
        let world = World()
        try world.sessions.hooks.onRequest.unshift { _, _ in throw HookFailure() }
        let (login, _) = try await world.login()
        await #expect(throws: HookFailure()) { try await world.sessions.handleRequest(Fixture.request(token: login.authToken)) }
        let still = try await world.sessions.authenticate(token: login.authToken, client: Self.client)
        #expect(still?.isRenewed == true, "the presented token is still the current one")
    }
}
