import Foundation
import Gatehouse

/// A session as the API shows it. `current` is only present in session lists, where it marks the
/// session of the request.
struct SessionPayload: Encodable {
    var id: String
    var createdAt: Date
    var lastUsedAt: Date
    var expiresAt: Date
    var ip: String
    var userAgent: String
    var current: Bool?

    init(_ session: SessionDocument, current: Bool? = nil) {
        id = session.id
        createdAt = session.createdAt
        lastUsedAt = session.lastUsedAt
        expiresAt = session.expiresAt
        ip = session.connectionInfo.ip
        userAgent = session.connectionInfo.userAgent
        self.current = current
    }
}
