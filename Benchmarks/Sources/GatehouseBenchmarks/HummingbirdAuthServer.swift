import Foundation
import Gatehouse
import Hummingbird
import HummingbirdAuth
import Logging
import ServiceLifecycle

/// The server a Swift developer would write with hummingbird-auth instead of Gatehouse, set up as its
/// documentation and examples show: `SessionMiddleware` on every route, keeping sessions in a
/// `MemoryPersistDriver` (run as one of the application's services) under a random id sent as a
/// cookie; each session holds a user id, which `SessionAuthenticator` resolves through a user
/// repository; `GET /me` requires that identity and answers the user as JSON. The users are held in
/// memory too, so the baseline pays for no database at all. On 127.0.0.1 and a free port.
struct HummingbirdAuthServer {
    /// What `GET /me` answers: the account fields of Gatehouse's `GET /v1/me`.
    struct User: ResponseCodable, Sendable {
        var id: String
        var username: String
        var email: String
        var emailVerified: Bool
        var createdAt: Date
    }

    struct Status: ResponseCodable {
        var status: String
    }

    struct UserRepository: UserSessionRepository {
        let users: [String: User]

        func getUser(from id: String, context: UserRepositoryContext) async throws -> User? {
            users[id]
        }
    }

    typealias Context = BasicSessionRequestContext<String, User>

    let port: Int
    let users: [User]
    /// The store `SessionMiddleware` reads, to open sessions as a login route would.
    private let sessionStorage: SessionStorage<String>
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(users count: Int) async throws -> HummingbirdAuthServer {
        let now = Date()
        let random = SystemRandomSource()
        let users = (0..<count).map { index in
            User(
                id: BenchmarkIDs.ulid(at: now, random: random),
                username: "hb\(index)",
                email: "hb\(index)@example.com",
                emailVerified: false,
                createdAt: now
            )
        }
        let persist = MemoryPersistDriver()
        let sessionStorage = SessionStorage<String>(persist)
        let router = Router(context: Context.self)
        router.add(middleware: SessionMiddleware(sessionStorage: sessionStorage))
        router.get("/health") { _, _ in Status(status: "ok") }
        router.group()
            .add(middleware: SessionAuthenticator(users: UserRepository(users: Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0) }))))
            .get("/me") { _, context -> User in try context.requireIdentity() }

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            services: [persist],
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Fixtures.logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Fixtures.logger))
        let task = Task { try await group.run() }
        var port = 0
        for await announced in ports {
            port = announced
            break
        }
        guard port > 0 else {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw BenchmarkError("the hummingbird-auth server did not start")
        }
        return HummingbirdAuthServer(port: port, users: users, sessionStorage: sessionStorage, group: group, task: task)
    }

    /// Stores a session for `user` as a login route does (`context.sessions.createSession` makes
    /// `SessionMiddleware` save it the same way) and returns the `Cookie` header a browser would send.
    func openSession(for user: User) async throws -> String {
        let cookie = try await sessionStorage.save(session: user.id, expiresIn: .seconds(12 * 3600))
        return "\(cookie.name)=\(cookie.value)"
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
