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
        resolve(headers: headers, peer: remoteAddress.map(text(of:)) ?? "", trustedProxies: trustedProxies)
    }

    /// The address as NIO's `ipAddress` writes it, `""` for a Unix socket. Every request asks for its
    /// peer's, so an IPv4 address is written here in place: `ipAddress` goes through `inet_ntop`, a
    /// buffer and a C string each time.
    package static func text(of address: SocketAddress) -> String {
        guard case .v4(let v4) = address else { return address.ipAddress ?? "" }
        // `s_addr` is in network order: its first byte in memory is the first of the four numbers.
        let octets = withUnsafeBytes(of: v4.address.sin_addr.s_addr) { ($0[0], $0[1], $0[2], $0[3]) }
        return String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            func append(_ octet: UInt8, dot: Bool) {
                if dot {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                if octet >= 100 {
                    buffer[count] = UInt8(ascii: "0") + octet / 100
                    count += 1
                }
                if octet >= 10 {
                    buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            append(octets.0, dot: false)
            append(octets.1, dot: true)
            append(octets.2, dot: true)
            append(octets.3, dot: true)
            return count
        }
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
