import Gatehouse
import HTTPTypes
import Hummingbird

/// The CSRF rule for cookie-authenticated requests, documented on ``GatehouseHTTPConfiguration``.
package struct CSRFCheck {
    let headerName: HTTPField.Name?
    let trustedOrigins: Set<String>

    init(configuration: GatehouseHTTPConfiguration) {
        headerName = HTTPField.Name(configuration.csrfHeaderName)
        trustedOrigins = Set((configuration.cors?.allowedOrigins ?? []).map { $0.lowercased() })
    }

    static func isStateChanging(_ method: HTTPRequest.Method) -> Bool {
        method == .post || method == .put || method == .patch || method == .delete
    }

    /// Throws `CSRFRejected` unless the request carries the CSRF header or comes from this server's own
    /// origin (or a trusted one).
    package func verify(_ request: Request) throws(AccountError) {
        if let headerName, let value = request.headers[headerName], !value.trimmingSpaces().isEmpty {
            return
        }
        let claimedOrigin: String? =
            if let origin = request.headers[.origin] {
                origin
            } else if let referer = request.headers[.referer] {
                referer
            } else {
                nil
            }
        if let claimedOrigin, let origin = WebOrigin(claimedOrigin) {
            if trustedOrigins.contains(origin.serialized) { return }
            if let authority = request.head.authority, origin.matches(authority: authority) { return }
        }
        throw AccountError.csrfRejected
    }

    /// Throws `CSRFRejected` when the request carries an `Origin` that is neither this server's own nor
    /// a trusted one (`Origin: null` included). For the routes that start a session or an account, which
    /// carry no credential to check: a browser always sends `Origin` on a cross-site `POST`, a non-browser
    /// client usually sends none.
    package func verifyOrigin(_ request: Request) throws(AccountError) {
        guard let claimed = request.headers[.origin] else { return }
        if let origin = WebOrigin(claimed) {
            if trustedOrigins.contains(origin.serialized) { return }
            if let authority = request.head.authority, origin.matches(authority: authority) { return }
        }
        throw AccountError.csrfRejected
    }
}
