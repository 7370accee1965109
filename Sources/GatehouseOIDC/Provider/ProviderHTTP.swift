import AsyncHTTPClient
import Foundation
import Gatehouse
import NIOCore

/// The provider's HTTP endpoints as Gatehouse calls them: bounded bodies, a deadline, no redirects
/// followed, and failures told apart — a provider that cannot be reached is
/// `AccountError.Code.providerUnavailable`, never a verification failure of the person.
struct ProviderHTTP: Sendable {
    let client: HTTPClient
    var timeout: Duration = .seconds(10)
    var maximumSize = 64 * 1024

    /// The JSON object at `url` (GET, 200 only).
    func getJSON<Value: Decodable>(_ type: Value.Type, from url: String) async throws -> Value {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request)
        guard status == 200 else { throw AccountError.providerUnavailable() }
        do {
            return try JSONDecoder().decode(Value.self, from: body)
        } catch {
            throw AccountError.providerUnavailable()
        }
    }

    /// POSTs a form and answers the status and body, whatever the status.
    func postForm(_ fields: [(String, String)], to url: String) async throws -> (status: UInt, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(fields)))
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> (status: UInt, body: Data) {
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
            let body = try await response.body.collect(upTo: maximumSize)
            return (response.status.code, Data(buffer: body))
        } catch {
            throw AccountError.providerUnavailable()
        }
    }
}

/// `application/x-www-form-urlencoded`, both ways.
enum FormEncoding {
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// The fields of a form body or query string; the first value of a repeated name wins.
    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]) else { continue }
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            if fields[name] == nil, let value { fields[name] = value }
        }
        return fields
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
