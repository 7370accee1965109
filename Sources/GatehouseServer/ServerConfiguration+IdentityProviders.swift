import Foundation
import GatehouseOIDC
import GatehouseUI

extension ServerConfiguration {
    /// The variables of one provider, `GATEHOUSE_OIDC_<NAME>_<SUFFIX>` (NAME upper-cased, `-` as `_`).
    public static func identityProviderVariable(_ name: String, _ suffix: String) -> String {
        "GATEHOUSE_OIDC_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_\(suffix)"
    }

    /// The identity providers (`--oidc NAME=ISSUER_URL`, `GATEHOUSE_OIDC`) with their clients, and the
    /// address browsers reach the server at (`--external-url`).
    static func resolveIdentityProviders(
        flags: ServerFlags,
        settings: Settings,
        into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        if let value = settings.value(flags.externalURL, "--external-url", EnvironmentKey.externalURL) {
            guard let url = webhookEndpoint(value.text), !url.contains("?") else {
                throw value.invalid("is not an absolute http:// or https:// URL such as https://auth.example.com")
            }
            configuration.externalURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        var providers: [IdentityProviderSetting] = []
        for entry in settings.list(flags.identityProviders, "--oidc", EnvironmentKey.identityProviders) {
            let parts = entry.text.split(separator: "=", maxSplits: 1)
            let name = parts[0].lowercased()
            guard IdentityProviderConfiguration.isValidName(name) else {
                throw entry.invalid("does not start with a provider name of 1 to 32 a-z, 0-9, _ and - (NAME=ISSUER_URL)")
            }
            guard !providers.contains(where: { $0.name == name }) else { throw entry.invalid("names a provider a second time") }
            let preset = IdentityProviderConfiguration.Preset(rawValue: name) ?? .generic
            var issuer: String
            var discoveryURL: String?
            if parts.count == 2 {
                guard let url = webhookEndpoint(String(parts[1])), !url.contains("?") else {
                    throw entry.invalid("does not end in an issuer URL such as https://accounts.example.com (NAME=ISSUER_URL)")
                }
                issuer = String(parts[1])
                if let range = issuer.range(of: "/.well-known/openid-configuration", options: [.anchored, .backwards]) {
                    discoveryURL = issuer
                    issuer = String(issuer[..<range.lowerBound])
                }
            } else if let known = IdentityProviderConfiguration.defaultIssuer(for: preset) {
                issuer = known
            } else {
                throw entry.invalid("needs an issuer URL: NAME=ISSUER_URL (only apple and google have one built in)")
            }
            providers.append(try identityProvider(name: name, issuer: issuer, discoveryURL: discoveryURL, preset: preset, settings: settings))
        }
        configuration.identityProviders = providers
        if let keys = settings.environmentValue(EnvironmentKey.providerTokenKeys) {
            configuration.providerTokenKeys = try keys.sealingKeys()
        }
        if let keeping = providers.first(where: \.keepsTokens), configuration.providerTokenKeys == nil {
            throw ServerConfigurationError(
                "\(identityProviderVariable(keeping.name, "KEEP_TOKENS")) needs \(EnvironmentKey.providerTokenKeys): the keys that seal the kept tokens"
            )
        }
        configuration.accountPages?.identityProviders = providers.compactMap { provider in
            (try? provider.configuration()).map { .init(name: provider.name, displayName: $0.displayName) }
        }
    }

    private static func identityProvider(
        name: String,
        issuer: String,
        discoveryURL: String?,
        preset: IdentityProviderConfiguration.Preset,
        settings: Settings
    ) throws(ServerConfigurationError) -> IdentityProviderSetting {
        func variable(_ suffix: String) -> Value? { settings.environmentValue(identityProviderVariable(name, suffix)) }
        guard let clientID = variable("CLIENT_ID") else {
            throw ServerConfigurationError("the provider \(name) needs its client id in \(identityProviderVariable(name, "CLIENT_ID"))")
        }
        var appleKey: IdentityProviderSetting.AppleKey?
        if preset == .apple, let teamID = variable("TEAM_ID") {
            guard let keyID = variable("KEY_ID"), let keyFile = variable("PRIVATE_KEY_FILE") else {
                throw ServerConfigurationError(
                    "\(teamID.source) needs \(identityProviderVariable(name, "KEY_ID")) and \(identityProviderVariable(name, "PRIVATE_KEY_FILE"))"
                )
            }
            guard let pem = try? String(contentsOfFile: keyFile.text, encoding: .utf8) else {
                throw ServerConfigurationError("invalid \(keyFile.source): the file cannot be read")
            }
            appleKey = .init(teamID: teamID.text, keyID: keyID.text, privateKeyPEM: RedactedSecret(pem))
        }
        let secret = variable("CLIENT_SECRET").map { RedactedSecret($0.text) }
        let setting = IdentityProviderSetting(
            name: name,
            issuer: issuer,
            discoveryURL: discoveryURL,
            preset: preset,
            clientID: clientID.text,
            clientSecret: secret,
            appleKey: appleKey,
            scopes: variable("SCOPES").map { $0.text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) },
            additionalAudiences: variable("AUDIENCES").map { $0.text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                ?? [],
            keepsTokens: try variable("KEEP_TOKENS")?.boolean() ?? false
        )
        do {
            _ = try setting.configuration()
        } catch {
            // The key's own error names no part of the key.
            throw ServerConfigurationError("invalid \(identityProviderVariable(name, "PRIVATE_KEY_FILE")): not a PKCS#8 PEM P-256 private key")
        }
        return setting
    }
}
