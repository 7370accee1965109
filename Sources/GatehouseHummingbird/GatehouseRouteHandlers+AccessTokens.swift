import Crypto
import Gatehouse
import HTTPTypes
import Hummingbird
import NIOCore

extension GatehouseRouteHandlers {
    /// How long caches may keep the JWKS. A rotated key is published an activation delay before it
    /// signs, and verifiers fetch again when they meet a key id they do not know.
    static var keySetMaximumAge: Int { 60 }

    /// `POST /v1/token`: an Ed25519 access token for the caller's session, for `{"audience"}` when the
    /// body names one. The session token is renewed only as the request itself renews it.
    func accessToken(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let audience = try await requestedAudience(request)
        let issued = try sessions.issueAccessToken(for: caller.authentication, audience: audience)
        context.logger.info(
            "access token issued",
            metadata: [
                "gatehouse.session_id": "\(issued.claims.sessionID)", "gatehouse.account_id": "\(issued.claims.accountID)",
                "gatehouse.audience": "\(issued.claims.audience)", "gatehouse.jti": "\(issued.claims.tokenID)",
            ]
        )
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return try JSONPayload.response(AccessTokenResponse(accessToken: issued.token, expiresAt: issued.expiresAt), headers: headers)
    }

    /// `GET /.well-known/jwks.json`: the public access-token keys, with `Cache-Control` and an `ETag`
    /// (`If-None-Match` is answered `304`).
    func keySet(_ request: Request, context: Context) throws -> Response {
        let body = try JSONPayload.encode(JSONWebKeySet(publishing: sessions.accessTokenKeys()))
        let tag = "\"" + SHA256.hash(data: body).prefix(16).map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "\""
        var headers = HTTPFields()
        headers[.cacheControl] = "public, max-age=\(Self.keySetMaximumAge)"
        headers[.eTag] = tag
        if let presented = request.headers[.ifNoneMatch], presented.split(separator: ",").contains(where: { $0.trimmingSpaces() == tag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The audience a `POST /v1/token` body asks for: none for an empty body; a body must be JSON.
    private func requestedAudience(_ request: Request) async throws -> String? {
        guard request.headers[.contentType] != nil else {
            guard try await request.body.collect(upTo: configuration.maximumBodySize).readableBytes == 0 else {
                throw AccountError.unsupportedMediaType
            }
            return nil
        }
        return try await JSONPayload.decode(AccessTokenBody.self, from: request, limit: configuration.maximumBodySize).audience
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
