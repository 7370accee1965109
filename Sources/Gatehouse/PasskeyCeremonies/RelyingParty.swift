import Crypto

import struct Foundation.URLComponents

/// The relying party passkeys are made for: its id (a registrable domain, or `localhost`), the name
/// authenticators show, and the exact origins whose pages may run the ceremonies.
///
/// A passkey is bound to the id: the authenticator signs SHA-256 of it, so a page of another site can
/// neither use nor make one. The origins are compared exactly (scheme, host and port).
public struct RelyingParty: Sendable, Equatable {
    /// The relying party id, such as `example.com`.
    public var id: String
    /// The name authenticators show while making a passkey.
    public var name: String
    /// The origins allowed to run a ceremony, such as `https://example.com`.
    public var origins: [String]

    public init(id: String, name: String = "Gatehouse", origins: [String]) {
        self.id = id
        self.name = name
        self.origins = origins
    }

    /// The relying party of a server reached at `externalURL`: its host as the id and its origin as the
    /// only one allowed. `nil` when the URL has no `http` or `https` scheme or no host.
    public init?(externalURL: String, name: String = "Gatehouse") {
        guard let origin = Self.origin(of: externalURL), let host = URLComponents(string: externalURL)?.host?.lowercased() else { return nil }
        self.init(id: host, name: name, origins: [origin])
    }

    /// The origin of `url` (`scheme://host[:port]`, the port only when it is not the scheme's default),
    /// or `nil` when it has no `http` or `https` scheme or no host.
    public static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        guard let port = components.port, port != defaultPort else { return "\(scheme)://\(host)" }
        return "\(scheme)://\(host):\(port)"
    }

    /// SHA-256 of the id, which authenticator data must carry.
    var idHash: [UInt8] { Array(SHA256.hash(data: Array(id.utf8))) }
}
