import Gatehouse

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a single address without a
/// length is a block of one), such as the proxies whose `X-Forwarded-For` is believed.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    let address: IPAddress
    /// How many leading bits the block fixes.
    public let prefixLength: Int
    public let description: String

    /// Parses `10.0.0.0/8`, `192.0.2.1`, `2001:db8::/32` or `::1`; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...bits).contains(parsed), parts[1].allSatisfy(\.isNumber) else { return nil }
            length = parsed
        } else {
            length = bits
        }
        self.address = address
        self.prefixLength = length
        self.description = text
    }

    /// Whether `text` is an address inside the block.
    public func contains(_ text: some StringProtocol) -> Bool {
        guard let candidate = IPAddress(text) else { return false }
        return contains(candidate)
    }

    func contains(_ candidate: IPAddress) -> Bool {
        candidate.isIn(network: address, prefixLength: prefixLength)
    }
}
