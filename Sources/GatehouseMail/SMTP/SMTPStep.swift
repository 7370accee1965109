/// A step of an SMTP conversation, as delivery errors name it.
enum SMTPStep: Sendable, Equatable, CustomStringConvertible {
    case greeting
    case ehlo
    case helo
    case startTLS
    case auth
    case mailFrom
    case rcptTo
    case data
    /// The server's answer to the message itself, after the final `.`.
    case endOfData
    case quit

    var description: String {
        switch self {
        case .greeting: "greeting"
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .startTLS: "STARTTLS"
        case .auth: "AUTH"
        case .mailFrom: "MAIL FROM"
        case .rcptTo: "RCPT TO"
        case .data: "DATA"
        case .endOfData: "message data"
        case .quit: "QUIT"
        }
    }
}
