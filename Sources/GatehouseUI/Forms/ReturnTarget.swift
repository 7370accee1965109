import Foundation

/// Where a page may send a person after they log in: a path on this server, or a URL on one of the
/// origins the operator allowed. Anything else — another site, a scheme-relative `//host`, a
/// backslash that browsers read as a slash, `javascript:` — is ignored, so `return_to` is never an
/// open redirect.
struct ReturnTarget: Sendable {
    /// The origins (`https://app.example.com`) a person may be sent back to, lower-cased.
    let allowedOrigins: Set<String>

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins.compactMap(Self.origin(of:)))
    }

    /// `candidate` when it is a safe place to go, `nil` otherwise.
    func accepted(_ candidate: String) -> String? {
        guard !candidate.isEmpty, candidate.utf8.count <= 2_048,
            candidate.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
        else { return nil }
        if candidate.hasPrefix("/") {
            // `//host` and `/\host` leave the site; a path never starts with two slashes.
            guard !candidate.hasPrefix("//"), let components = URLComponents(string: candidate), components.scheme == nil,
                components.host == nil
            else { return nil }
            return candidate
        }
        guard let origin = Self.origin(of: candidate), allowedOrigins.contains(origin) else { return nil }
        return candidate
    }

    /// `scheme://host[:port]` of an absolute http(s) URL, lower-cased; `nil` for anything else.
    static func origin(of text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty,
            components.user == nil, components.password == nil
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = components.port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }
}
