import HTTPTypes
import Hummingbird
import NIOCore

/// Where a request comes from, as recorded on its session and used for login throttling.
@_spi(Fuzzing) public enum ClientAddress {
    /// The first `X-Forwarded-For` hop when `trustForwardedFor` is set and the hop looks like an IP
    /// address; otherwise the socket's peer address; the empty string when there is neither.
    @_spi(Fuzzing) public static func resolve(headers: HTTPFields, remoteAddress: SocketAddress?, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = headers[values: .xForwardedFor].first {
            let first = forwarded.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.trimmingSpaces() } ?? ""
            if !first.isEmpty, first.utf8.count <= 45, first.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) {
                return String(first)
            }
        }
        return remoteAddress?.ipAddress ?? ""
    }
}
