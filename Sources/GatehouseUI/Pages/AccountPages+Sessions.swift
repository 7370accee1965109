import Gatehouse
import Hummingbird

/// The devices page: every session of the account, this one marked, each other one can be ended.
extension AccountPages {
    func sessionsPage(_ request: Request, context: Context) async throws -> Response {
        guard let authentication = context.gatehouse?.authentication else { return toLogin(returningTo: request.uri.path) }
        let now = self.now
        let sessions = try await accounts.sessions(ofAccount: authentication.accountID)
            .sorted { ($0.id == authentication.sessionID ? 1 : 0, $0.lastUsedAt) > ($1.id == authentication.sessionID ? 1 : 0, $1.lastUsedAt) }
        let devices: [[String: Any]] = sessions.map { session in
            [
                "id": session.id,
                "device": DeviceDescription(userAgent: session.connectionInfo.userAgent).summary,
                "ip": session.connectionInfo.ip.isEmpty ? "unknown" : session.connectionInfo.ip,
                "last_active": RelativeTime.describe(session.lastUsedAt, now: now),
                "created": RelativeTime.describe(session.createdAt, now: now),
                "current": session.id == authentication.sessionID,
            ]
        }
        let values: [String: Any] = ["devices": devices, "has_others": sessions.contains { $0.id != authentication.sessionID }]
        return page("sessions", title: "Your devices", values: values, request: request, context: context)
    }

    /// Ends one session of the account; ending this one signs this browser out.
    func endSession(_ request: Request, context: Context) async throws -> Response {
        let form = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/sessions") }
        let id = form["session_id"]
        guard !id.isEmpty, id.utf8.count <= 128 else { return redirect(to: "/ui/sessions") }
        let ended = try await accounts.sessions.revokeSessions(
            .session(id: id, accountID: authentication.accountID),
            reason: .logout,
            logger: context.logger
        )
        if id == authentication.sessionID, ended > 0 {
            state.endSession()
            return redirect(to: "/ui/login?notice=signed_out")
        }
        return redirect(to: "/ui/sessions?notice=device_signed_out")
    }

    func endOtherSessions(_ request: Request, context: Context) async throws -> Response {
        _ = try await form(request, context: context)
        let state = try state(context)
        guard let authentication = state.authentication else { return toLogin(returningTo: "/ui/sessions") }
        _ = try await accounts.sessions.revokeSessions(
            .allSessionsExcept(sessionID: authentication.sessionID, accountID: authentication.accountID),
            reason: .logout,
            logger: context.logger
        )
        return redirect(to: "/ui/sessions?notice=others_signed_out")
    }
}
