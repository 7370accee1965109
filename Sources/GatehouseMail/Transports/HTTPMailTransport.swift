import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Delivers each message as a JSON `POST` to an HTTP endpoint — a mail API's, or the application's own —
/// signed so that the endpoint can tell the request comes from this server.
///
/// The body is `{"id","from","to","subject","text","html"}`. The header
/// `Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` signs `<t>.<body>` with the shared secret;
/// `Gatehouse-Message-Id` repeats the id, for de-duplication. A 2xx answer is delivery; 408, 429 and 5xx,
/// or no answer, are temporary failures; other statuses are permanent.
public struct HTTPMailTransport: MailTransport {
    public let url: String
    private let secret: SymmetricKey
    private let timeout: Duration

    /// - Parameters:
    ///   - url: The endpoint, `https://…` (or `http://` for a loopback endpoint).
    ///   - secret: The shared secret the signature is computed with.
    ///   - timeout: How long one request may take.
    public init(url: String, secret: String, timeout: Duration = .seconds(30)) {
        self.url = url
        self.secret = SymmetricKey(data: Array(secret.utf8))
        self.timeout = timeout
    }

    struct Body: Encodable {
        var id: String
        var from: String
        var to: String
        var subject: String
        var text: String
        var html: String
    }

    public func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            body = Array(
                try encoder.encode(
                    Body(id: message.messageID, from: message.from, to: message.to, subject: message.subject, text: message.text, html: message.html)
                )
            )
        } catch {
            throw .permanent("the message could not be encoded")
        }
        let timestamp = String(Int(Date().timeIntervalSince1970))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Gatehouse-Message-Id", value: message.messageID)
        request.headers.add(name: "Gatehouse-Signature", value: "t=\(timestamp),v1=\(signature(timestamp: timestamp, body: body))")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(
                request,
                timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
            )
        } catch {
            throw .temporary("the endpoint could not be reached")
        }
        let status = response.status.code
        switch status {
        case 200..<300:
            return
        case 408, 429, 500...:
            throw .temporary("the endpoint answered \(status)")
        default:
            throw .permanent("the endpoint answered \(status)")
        }
    }

    private func signature(timestamp: String, body: [UInt8]) -> String {
        var authenticator = HMAC<SHA256>(key: secret)
        authenticator.update(data: Array(timestamp.utf8) + [UInt8(ascii: ".")] + body)
        return authenticator.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
