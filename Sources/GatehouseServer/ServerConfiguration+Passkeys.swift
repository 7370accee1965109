import Gatehouse

extension ServerConfiguration {
    /// The relying party passkeys are made for: ``webAuthnRelyingPartyID``, else the host of
    /// ``browserBaseURL``; ``webAuthnOrigins``, else the origin of ``browserBaseURL``. `nil` when
    /// neither is set and ``browserBaseURL`` has no host.
    public var relyingParty: RelyingParty? {
        let base = RelyingParty(externalURL: browserBaseURL)
        guard let id = webAuthnRelyingPartyID ?? base?.id else { return nil }
        let origins = webAuthnOrigins.isEmpty ? base?.origins ?? [] : webAuthnOrigins
        return RelyingParty(id: id, origins: origins)
    }

    /// The passkey settings (`--webauthn-rp-id`, `--webauthn-origin`): each origin's host must be the
    /// relying party id or under it, as browsers require.
    static func resolvePasskeys(
        flags: ServerFlags,
        settings: Settings,
        into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        if let value = settings.value(flags.webAuthnRelyingPartyID, "--webauthn-rp-id", EnvironmentKey.webAuthnRelyingPartyID) {
            let id = value.text.lowercased()
            guard (1...253).contains(id.utf8.count), !id.hasPrefix("."), !id.hasSuffix("."), !id.contains(".."),
                id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
            else { throw value.invalid("is not a domain such as example.com") }
            configuration.webAuthnRelyingPartyID = id
        }
        let origins = settings.list(flags.webAuthnOrigins, "--webauthn-origin", EnvironmentKey.webAuthnOrigins)
        configuration.webAuthnOrigins = try origins.map { origin throws(ServerConfigurationError) in
            guard let normalized = RelyingParty.origin(of: origin.text), normalized == origin.text.lowercased() else {
                throw origin.invalid("is not an origin such as https://example.com (scheme, host and optional port, no path)")
            }
            return normalized
        }
        guard let relyingParty = configuration.relyingParty else { return }
        for origin in relyingParty.origins {
            let host = RelyingParty(externalURL: origin)?.id ?? ""
            guard host == relyingParty.id || host.hasSuffix("." + relyingParty.id) else {
                throw ServerConfigurationError(
                    "the WebAuthn origin \(origin) is not on the relying party id \(relyingParty.id) or under it; set --webauthn-rp-id or --webauthn-origin"
                )
            }
        }
    }

    /// The origins the HTTP layer allows across origins: ``corsOrigins`` and the passkey origins that are
    /// not the server's own.
    var allowedCrossOrigins: [String] {
        let own = RelyingParty.origin(of: browserBaseURL)
        let passkeyOrigins = (relyingParty?.origins ?? []).filter { $0 != own && !corsOrigins.contains($0) }
        return corsOrigins + passkeyOrigins
    }
}
