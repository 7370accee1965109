import AsyncHTTPClient
import Foundation
import NIOCore

/// Where an ``AccessTokenVerifier`` gets the issuer's JWKS document from.
public protocol KeySetSource: Sendable {
    /// The JWKS document's bytes. Throws ``KeySetUnavailable`` when it cannot be had.
    func fetchKeySet() async throws -> Data
}

/// A JWKS fetched over HTTP(S) with async-http-client: one `GET`, a `200` answer, a bounded body and
/// a deadline.
public struct HTTPKeySetSource: KeySetSource {
    /// The JWKS URL, such as `https://auth.example.com/.well-known/jwks.json`.
    public let url: String
    /// The largest document accepted. Default 64 KiB.
    public var maximumSize: Int
    /// How long one fetch may take, connection attempts included. Default 5 s.
    public var timeout: Duration
    private let client: HTTPClient

    public init(url: String, maximumSize: Int = 64 * 1024, timeout: Duration = .seconds(5), client: HTTPClient = .shared) {
        self.url = url
        self.maximumSize = maximumSize
        self.timeout = timeout
        self.client = client
    }

    public func fetchKeySet() async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
        } catch {
            throw KeySetUnavailable(reason: "the request failed: \(type(of: error))")
        }
        guard response.status == .ok else {
            throw KeySetUnavailable(reason: "the server answered \(response.status.code)")
        }
        do {
            return Data(buffer: try await response.body.collect(upTo: maximumSize))
        } catch is NIOTooManyBytesError {
            throw KeySetUnavailable(reason: "the document is larger than \(maximumSize) bytes")
        } catch {
            throw KeySetUnavailable(reason: "the body could not be read: \(type(of: error))")
        }
    }
}

/// The issuer's JWKS could not be fetched or read: the token may be fine, but it cannot be checked
/// now.
public struct KeySetUnavailable: Error, Sendable, CustomStringConvertible {
    /// What went wrong, without any token.
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "The issuer's key set is unavailable: \(reason)." }
}
