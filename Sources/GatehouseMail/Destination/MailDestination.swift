import Foundation

/// Where messages go, as a mail URL names it:
///
/// - `smtp://user:pass@host:port` — SMTP with STARTTLS, required unless the URL ends in `?tls=none` or
///   the host is a loopback address (where nothing travels over a network; `?tls=starttls` asks for it
///   anyway); port 587 by default.
/// - `smtps://user:pass@host:port` — SMTP over TLS from the first byte; port 465 by default.
/// - `https://host/path` — a signed JSON `POST` per message (`http://` only to a loopback address).
/// - `file:///dir` — an `.eml` file per message in `dir` (`file://dir` for a relative one).
///
/// For SMTP, `?ca=/path/ca.pem` trusts that certificate authority instead of the system's, and the user
/// name and password are percent-decoded. A URL that holds a password is never repeated in an error.
public enum MailDestination: Sendable, Equatable {
    /// An SMTP server.
    case smtp(SMTPConfiguration)
    /// An HTTP endpoint that takes one JSON `POST` per message.
    case http(url: String)
    /// A directory that receives one `.eml` file per message.
    case directory(path: String)

    /// Why a mail URL was refused; never repeats the URL, which may hold a password.
    public struct InvalidURL: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a mail URL.
    public init(url text: String) throws(InvalidURL) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("file://") {
            let path = String(text.dropFirst("file://".count))
            guard !path.isEmpty, path.removingPercentEncoding != nil else {
                throw InvalidURL(description: "a file:// mail URL names a directory, such as file:///var/spool/gatehouse")
            }
            self = .directory(path: path.removingPercentEncoding ?? path)
            return
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            throw InvalidURL(description: "a mail URL is smtp://user:pass@host:port, smtps://…, https://… or file:///dir")
        }
        switch scheme {
        case "https":
            self = .http(url: text)
        case "http":
            guard Self.isLoopback(host) else {
                throw InvalidURL(description: "an http:// mail URL must point to a loopback address; use https://")
            }
            self = .http(url: text)
        case "smtp", "smtps":
            var security: SMTPConfiguration.Security = scheme == "smtps" ? .implicitTLS : (Self.isLoopback(host) ? .none : .startTLS)
            var trustRoots = SMTPConfiguration.TrustRoots.system
            for item in components.queryItems ?? [] {
                switch (item.name, item.value) {
                case ("tls", "none") where scheme == "smtp":
                    security = .none
                case ("tls", "starttls") where scheme == "smtp":
                    security = .startTLS
                case ("ca", let path?) where !path.isEmpty:
                    trustRoots = .file(path)
                default:
                    throw InvalidURL(description: "the mail URL's parameter \(item.name) is not understood (tls=none|starttls, ca=FILE)")
                }
            }
            if let port = components.port, !(1...65_535).contains(port) {
                throw InvalidURL(description: "the mail URL's port is out of range")
            }
            // An empty user name or password (`smtp://:pass@host`, `smtp://user:@host`) is none.
            let username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
            let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
            if (username == nil) != (password == nil) {
                throw InvalidURL(description: "the mail URL gives a user name without a password, or a password without a user name")
            }
            self = .smtp(
                SMTPConfiguration(
                    host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host,
                    port: components.port ?? (scheme == "smtps" ? 465 : 587),
                    security: security,
                    credentials: username.map { SMTPCredentials(username: $0, password: password ?? "") },
                    trustRoots: trustRoots
                )
            )
        default:
            throw InvalidURL(description: "a mail URL starts with smtp://, smtps://, https:// or file://")
        }
    }

    /// Where messages go, for the start-up log: no user name, password or query.
    public var summary: String {
        switch self {
        case .smtp(let smtp):
            let scheme = smtp.security == .implicitTLS ? "smtps" : "smtp"
            return "\(scheme)://\(smtp.host.contains(":") ? "[\(smtp.host)]" : smtp.host):\(smtp.port) (\(smtp.security.rawValue))"
        case .http(let url):
            guard var components = URLComponents(string: url) else { return "an HTTP endpoint" }
            components.user = nil
            components.password = nil
            components.query = nil
            components.fragment = nil
            return components.string ?? "an HTTP endpoint"
        case .directory(let path):
            return "files in \(URL(fileURLWithPath: path).standardizedFileURL.path)"
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = (host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        // 127.0.0.0/8 written as an address — not a name such as 127.example.com.
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127"
            && octets.allSatisfy { octet in octet.allSatisfy { ("0"..."9").contains($0) } && UInt8(octet) != nil }
    }
}
