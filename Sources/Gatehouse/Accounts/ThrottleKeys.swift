/// How throttle keys name what they count: bounded in size whatever the request holds, and one key per
/// network for IPv6, where a single client owns a whole /64.
enum ThrottleKeys {
    /// An attempted username, folded to lower case; a long one (no valid username is) by its digest.
    static func account(_ username: String) -> String {
        bounded(username.lowercased())
    }

    /// An IPv4 address as it is; an IPv6 address as its /64 network (`2001:db8:1:2::/64`); anything else
    /// bounded like a username.
    static func address(_ ip: String) -> String {
        if let network = ipv6Network(ip) { return network }
        return bounded(ip)
    }

    private static func bounded(_ text: String) -> String {
        guard text.utf8.count > 64 else { return text }
        return "#" + Base64URL.encode(SecretDigest.sha256(text))
    }

    /// The /64 network of an IPv6 address (`2001:db8:1:2::/64`), or `nil` for anything that is not an
    /// IPv6 address (an IPv4-mapped address counts as the IPv4 address it carries).
    static func ipv6Network(_ text: String) -> String? {
        guard let address = IPAddress(text), !address.isIPv4 else {
            if let address = IPAddress(text), address.isIPv4, text.contains(":") {
                return address.bytes.map(String.init).joined(separator: ".")
            }
            return nil
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(address.bytes[$0]) << 8 | UInt16(address.bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
