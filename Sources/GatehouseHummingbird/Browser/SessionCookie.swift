import Foundation
import Gatehouse
import HTTPTypes

/// The `Set-Cookie` values of the session cookie.
package struct SessionCookie {
    package let settings: GatehouseHTTPConfiguration.CookieSettings
    package let secure: Bool

    /// `name=`, which starts every value of this cookie.
    private let valuePrefix: String

    package init(configuration: GatehouseHTTPConfiguration) {
        settings = configuration.cookie
        secure = configuration.cookie.secure
        valuePrefix = configuration.cookie.name + "="
    }

    /// Sets the cookie to `token`, kept by the browser for `lifetime` seconds when persistent.
    package func setting(_ token: String, lifetime: TimeInterval) -> String {
        var value = "\(settings.name)=\(token)"
        if settings.persistent {
            value += "; Max-Age=\(max(0, Int(lifetime.rounded(.down))))"
        }
        return value + attributes
    }

    /// Deletes the cookie.
    package var clearing: String {
        "\(settings.name)=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" + attributes
    }

    private var attributes: String {
        var attributes = "; Path=\(settings.path)"
        if settings.httpOnly { attributes += "; HttpOnly" }
        if secure { attributes += "; Secure" }
        attributes += "; SameSite=\(settings.sameSite.rawValue)"
        return attributes
    }

    /// How long the cookie of a freshly issued token should live: until the token expires, cut at the
    /// session's absolute end.
    package func lifetime(of authentication: Authentication, now: Date) -> TimeInterval {
        min(authentication.tokenExpiresAt, authentication.session.expiresAt).timeIntervalSince(now)
    }

    /// Whether `headers` already set or clear this cookie.
    package func isSet(in headers: HTTPFields) -> Bool {
        headers.contains { $0.name == .setCookie && $0.value.hasPrefix(valuePrefix) }
    }
}
