import Gatehouse
import HTTPTypes
import Hummingbird
import NIOCore

/// Where a request comes from, as recorded on its session and used for throttling.
@_spi(Fuzzing) public enum ClientAddress {
    /// The socket's peer address — unless that peer is one of `trustedProxies`: then `X-Forwarded-For` is
    /// read from the right (the hop the trusted proxy appended first), skipping every trusted address,
    /// and the first hop that is not trusted is the client. A client behind proxies that append to the
    /// header can write anything to its left end, never to its right end, so it cannot choose the
    /// address it is throttled and recorded under. A malformed hop ends the walk at the last trusted
    /// address. The empty string when there is no peer.
    @_spi(Fuzzing) public static func resolve(headers: HTTPFields, remoteAddress: SocketAddress?, trustedProxies: [IPNetwork]) -> String {
        resolve(headers: headers, peer: remoteAddress?.ipAddress ?? "", trustedProxies: trustedProxies)
    }

    /// ``resolve(headers:remoteAddress:trustedProxies:)`` with the peer's address as text.
    @_spi(Fuzzing) public static func resolve(headers: HTTPFields, peer: String, trustedProxies: [IPNetwork]) -> String {
        guard !trustedProxies.isEmpty, isTrusted(peer, trustedProxies) else { return peer }
        var client = peer
        // Several X-Forwarded-For fields form one list, in order.
        let hops = headers[values: .xForwardedFor].flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for hop in hops.reversed() {
            let trimmed = hop.trimmingSpaces()
            // A zone (`fe80::1%eth0`) names an interface of the proxy, not a client: such a hop is malformed.
            guard trimmed.utf8.count <= 47, !trimmed.contains("%"), let address = IPAddress(trimmed) else { break }
            // Recorded without the brackets an IPv6 hop may be written with.
            client = String(trimmed.first == "[" && trimmed.last == "]" ? trimmed.dropFirst().dropLast() : trimmed)
            if !trustedProxies.contains(where: { $0.contains(address) }) { break }
        }
        return client
    }

    private static func isTrusted(_ text: String, _ networks: [IPNetwork]) -> Bool {
        guard let address = IPAddress(text) else { return false }
        return networks.contains { $0.contains(address) }
    }
}
