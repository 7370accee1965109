import AsyncHTTPClient
import Gatehouse
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WebhookDelivery {
    /// The failure an error of a request stands for, named by its kind in a few words. Descriptions are
    /// never passed on whole: an HTTP client error may quote header values, and a signature is one.
    static func failure(for error: any Error) -> DeliveryFailure {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .invalidURL, .emptyHost, .emptyScheme:
                return .permanent("the endpoint URL cannot be used (\(error.shortDescription.lowercased()))")
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return .temporary("the endpoint did not answer in time (\(error.shortDescription.lowercased()))")
            default:
                // The short description holds no value of the request, by the client's own rule.
                return .temporary("the request failed (\(error.shortDescription.lowercased()))")
            }
        case let error as IOError:
            return .temporary("the endpoint could not be reached (\(connectionFailure(errno: error.errnoCode)))")
        default:
            return .temporary("the endpoint could not be reached (\(type(of: error)))")
        }
    }

    /// What a socket error number means for a connection, in a few words.
    private static func connectionFailure(errno code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ETIMEDOUT: "connection timed out"
        case EHOSTUNREACH, ENETUNREACH: "host unreachable"
        case EPIPE: "connection closed"
        default: "error \(code)"
        }
    }
}
