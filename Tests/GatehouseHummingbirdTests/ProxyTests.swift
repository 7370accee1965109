import Foundation
import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Which address a request comes from behind proxies: `X-Forwarded-For` is read only when the socket's
/// peer is a trusted proxy, from the right, skipping trusted addresses; the first untrusted hop is the
/// client, so whatever a client writes to the left of the header changes nothing.
@Suite("Trusted proxies and X-Forwarded-For")
struct ProxyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var peer: String?
        var trusted: [String]
        var forwarded: [String]
        var expected: String
        var testDescription: String

        init(_ testDescription: String, peer: String? = "10.0.0.1", trusted: [String] = ["10.0.0.0/8"], forwarded: [String], expected: String) {
            self.testDescription = testDescription
            self.peer = peer
            self.trusted = trusted
            self.forwarded = forwarded
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        Case("no trusted proxies: the header is ignored", trusted: [], forwarded: ["203.0.113.7"], expected: "10.0.0.1"),
        Case("a peer that is not a trusted proxy: the header is ignored", peer: "192.0.2.50", forwarded: ["203.0.113.7"], expected: "192.0.2.50"),
        Case("one hop appended by the trusted proxy", forwarded: ["203.0.113.7"], expected: "203.0.113.7"),
        Case("a client-written leftmost hop is ignored", forwarded: ["6.6.6.6, 203.0.113.7"], expected: "203.0.113.7"),
        Case("several client-written hops are ignored", forwarded: ["1.1.1.1, 2.2.2.2,3.3.3.3 , 203.0.113.7"], expected: "203.0.113.7"),
        Case("trusted hops are skipped", peer: "10.0.0.2", forwarded: ["6.6.6.6, 203.0.113.7, 10.0.0.5, 10.9.9.9"], expected: "203.0.113.7"),
        Case(
            "trusted hops from several blocks",
            trusted: ["10.0.0.0/8", "192.168.0.0/16", "2001:db8:ffff::/48"],
            forwarded: ["203.0.113.7, 2001:db8:ffff::9, 192.168.4.4"],
            expected: "203.0.113.7"
        ),
        Case("every hop trusted: the leftmost", forwarded: ["10.0.0.7, 10.0.0.8"], expected: "10.0.0.7"),
        Case("an empty header: the peer", forwarded: [""], expected: "10.0.0.1"),
        Case("no header: the peer", forwarded: [], expected: "10.0.0.1"),
        Case("multiple fields form one list, in order", forwarded: ["6.6.6.6", "203.0.113.7, 10.0.0.5"], expected: "203.0.113.7"),
        Case("the proxy's own field comes last", forwarded: ["6.6.6.6, 7.7.7.7", "203.0.113.7"], expected: "203.0.113.7"),
        Case("a malformed rightmost hop: the walk ends at the trusted peer", forwarded: ["203.0.113.7, not-an-address"], expected: "10.0.0.1"),
        Case("a malformed hop left of the client is never reached", forwarded: ["garbage, 203.0.113.7"], expected: "203.0.113.7"),
        Case("a malformed hop behind a trusted hop: the last trusted address", forwarded: ["203.0.113.7, unknown, 10.0.0.5"], expected: "10.0.0.5"),
        Case("an empty hop ends the walk", forwarded: ["203.0.113.7,,10.0.0.5"], expected: "10.0.0.5"),
        Case("an address with a port is malformed", forwarded: ["203.0.113.7:4711"], expected: "10.0.0.1"),
        Case("an overlong hop is malformed", forwarded: [String(repeating: "1", count: 60)], expected: "10.0.0.1"),
        Case("a hop with a zone is malformed", forwarded: ["203.0.113.7, fe80::1%eth0"], expected: "10.0.0.1"),
        Case("an IPv6 client", forwarded: ["6.6.6.6, 2001:db8::7"], expected: "2001:db8::7"),
        Case("an IPv6 proxy", peer: "2001:db8:ffff::1", trusted: ["2001:db8:ffff::/48"], forwarded: ["203.0.113.7"], expected: "203.0.113.7"),
        Case("an IPv4-mapped peer in a trusted IPv4 block", peer: "::ffff:10.0.0.1", forwarded: ["203.0.113.7"], expected: "203.0.113.7"),
        Case("no peer at all", peer: nil, forwarded: ["203.0.113.7"], expected: ""),
    ]

    @Test("ClientAddress.resolve", arguments: cases)
    func resolve(_ testCase: Case) throws {
        var headers = HTTPFields()
        for value in testCase.forwarded { headers.append(HTTPField(name: .forwardedFor, value: value)) }
        let peer = try testCase.peer.map { try SocketAddress(ipAddress: $0, port: 443) }
        let proxies = try testCase.trusted.map { try #require(IPNetwork($0)) }
        #expect(ClientAddress.resolve(headers: headers, remoteAddress: peer, trustedProxies: proxies) == testCase.expected)
    }

    @Test(
        "A peer's address is written as NIO writes it",
        arguments: [
            "0.0.0.0", "127.0.0.1", "255.255.255.255", "1.2.3.4", "10.20.30.40", "100.0.9.99", "203.0.113.7", "9.99.199.250",
            "::1", "2001:db8::7", "::ffff:10.0.0.1",
        ]
    )
    func peerText(address: String) throws {
        let peer = try SocketAddress(ipAddress: address, port: 443)
        #expect(ClientAddress.text(of: peer) == peer.ipAddress)
        #expect(ClientAddress.text(of: peer) == address)
    }

    @Test(
        "IPNetwork: addresses inside and outside a block",
        arguments: [
            ("10.0.0.0/8", "10.0.0.0", true), ("10.0.0.0/8", "10.255.255.255", true), ("10.0.0.0/8", "11.0.0.0", false),
            ("10.0.0.0/8", "9.255.255.255", false), ("192.0.2.0/25", "192.0.2.127", true), ("192.0.2.0/25", "192.0.2.128", false),
            ("10.1.2.3/8", "10.200.0.1", true),
            ("0.0.0.0/0", "0.0.0.0", true), ("0.0.0.0/0", "255.255.255.255", true), ("0.0.0.0/0", "2001:db8::1", false),
            ("203.0.113.7/32", "203.0.113.7", true), ("203.0.113.7/32", "203.0.113.8", false), ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.6", false),
            ("2001:db8::/32", "2001:db8:ffff:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
            ("fe80::/10", "febf:ffff::1", true), ("fe80::/10", "fec0::1", false),
            ("::/0", "::", true), ("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true), ("::/0", "1.2.3.4", false),
            ("2001:db8::1/128", "2001:db8::1", true), ("2001:db8::1/128", "2001:db8::2", false), ("2001:db8::1", "2001:0db8:0:0:0:0:0:1", true),
            ("::1", "::1", true), ("::1", "127.0.0.1", false),
            ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("10.0.0.0/8", "::ffff:11.1.2.3", false), ("::ffff:192.0.2.1", "192.0.2.1", true),
            ("10.0.0.0/8", "not an address", false), ("10.0.0.0/8", "", false), ("10.0.0.0/8", "10.0.0.256", false),
        ] as [(String, String, Bool)]
    )
    func networkContains(network: String, address: String, inside: Bool) throws {
        let block = try #require(IPNetwork(network))
        #expect(block.contains(address) == inside)
    }

    @Test("IPNetwork: prefix lengths, with and without a length")
    func prefixLengths() throws {
        #expect(IPNetwork("10.0.0.0/8")?.prefixLength == 8)
        #expect(IPNetwork("0.0.0.0/0")?.prefixLength == 0)
        #expect(IPNetwork("192.0.2.1")?.prefixLength == 32)
        #expect(IPNetwork("192.0.2.1/32")?.prefixLength == 32)
        #expect(IPNetwork("2001:db8::1")?.prefixLength == 128)
        #expect(IPNetwork("2001:db8::/128")?.prefixLength == 128)
        #expect(IPNetwork("::/0")?.prefixLength == 0)
        #expect(IPNetwork("::ffff:192.0.2.1")?.prefixLength == 32, "an IPv4-mapped address is the IPv4 address it carries")
        #expect(IPNetwork("10.0.0.0/8")?.description == "10.0.0.0/8")
    }

    @Test(
        "IPNetwork: anything but an address with an optional prefix length is refused",
        arguments: [
            "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", " 10.0.0.0/8",
            "10.0.0/8", "10.0.0.0.0", "256.0.0.0/8", "::/129", "2001:db8::/200", "2001:db8:::/32", "proxy.internal", "localhost",
            "10.0.0.0/eight", "*", "10.0.+1.0", "+10.0.0.1", "10.0.0.٣", "::ffff:10.+0.0.1",
        ]
    )
    func invalidNetworks(text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test("Over a socket: the header from an untrusted peer is ignored, and behind a trusted proxy the client cannot choose its address")
    func live() async throws {
        // The peer, 127.0.0.1, is not among the trusted proxies: the header is the client's own writing.
        let untrusted = try Harness(http: GatehouseHTTPConfiguration(trustedProxies: [IPNetwork("10.0.0.0/8")!]))
        try await untrusted.createAccount()
        try await untrusted.live { client in
            let login = try await client.logIn(headers: [.forwardedFor: "203.0.113.7"])
            #expect(login.status == .ok)
            #expect(login.object[object: "session"]["ip"] as? String == "127.0.0.1", "the session records the peer")
        }

        let proxied = try Harness(http: Harness.behindLoopbackProxy)
        try await proxied.createAccount()
        try await proxied.live { client in
            let spoofed = try await client.logIn(headers: [.forwardedFor: "6.6.6.6, 203.0.113.7"])
            #expect(spoofed.object[object: "session"]["ip"] as? String == "203.0.113.7")

            var twoFields = HTTPFields()
            twoFields.append(HTTPField(name: .forwardedFor, value: "6.6.6.6"))
            twoFields.append(HTTPField(name: .forwardedFor, value: "198.51.100.4"))
            let split = try await client.logIn(headers: twoFields)
            #expect(split.object[object: "session"]["ip"] as? String == "198.51.100.4")

            // Failures are counted under the address the proxy appended, whatever the client wrote before it.
            for index in 0..<5 {
                let guess = try await client.logIn(password: "not the password", headers: [.forwardedFor: "6.6.6.\(index), 203.0.113.7"])
                #expect(guess.errorCode == "LoginFailed")
            }
            let blocked = try await client.logIn(headers: [.forwardedFor: "192.0.2.99, 203.0.113.7"])
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "TooManyAttempts")
        }
    }
}
