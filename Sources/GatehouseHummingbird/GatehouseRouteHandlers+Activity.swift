import Gatehouse
import Hummingbird

extension GatehouseRouteHandlers {
    /// The caller's security log: its account's audit events, newest first. `limit` (1 to 100, default
    /// 50) bounds a page; `before`, an event id from the previous page, pages back.
    func activity(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let query = request.uri.queryParameters
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...Accounts.activityPageLimit).contains(value) else { throw AccountError.invalidRequest(.query) }
            limit = value
        }
        let before = query.get("before").map { String($0) }
        if let before, !Identifiers.isULID(before) { throw AccountError.invalidRequest(.query) }
        let events = try await accounts.activity(ofAccount: caller.authentication.accountID, limit: limit, before: before)
        return try JSONPayload.response(ActivityResponse(events: events.map(PublishedAuditEvent.init)))
    }
}

/// `GET /v1/activity`: `{"events":[…]}`, newest first.
struct ActivityResponse: Encodable {
    var events: [PublishedAuditEvent]
}
