import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes each message as an RFC 5322 `.eml` file, named by its id, into a directory: the delivery of a
/// server with no mail server, and a way to read what would be sent.
///
/// The directory is created (mode 0700) when missing; each file is written whole under a temporary
/// name and renamed into place, readable by its owner only (0600), since a message holds a link that
/// signs its reader in. A message sent again replaces its earlier file.
public struct FileMailTransport: MailTransport {
    /// Where the files go.
    public let directory: String
    private let encoder = SMTPMessageEncoder(heloName: "localhost")

    public init(directory: String) {
        self.directory = directory
    }

    /// Creates the directory if needed, so that a directory that cannot be written is found at start.
    public func prepare() throws(MailDeliveryError) {
        try ensureDirectory()
    }

    public func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let sender: SMTPMailbox
        let recipient: SMTPMailbox
        do {
            sender = try SMTPMailbox(parsing: message.from)
            recipient = try SMTPMailbox(parsing: message.to)
        } catch {
            throw .permanent("an address of the message cannot be written")
        }
        guard message.messageID.utf8.allSatisfy({ $0.isFileNameSafe }), !message.messageID.isEmpty else {
            throw .permanent("the message id cannot name a file")
        }
        try ensureDirectory()
        let content = encoder.encode(message, from: sender, to: recipient, date: Date(), boundary: SMTPMessageEncoder.makeBoundary())
        let final = directory + "/" + message.messageID + ".eml"
        let temporary = directory + "/." + message.messageID + ".eml.partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .temporary("the mail directory cannot be written (errno \(errno))") }
        var written = 0
        var failure: Int32 = 0
        content.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += count
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        guard failure == 0, rename(temporary, final) == 0 else {
            let code = failure == 0 ? errno : failure
            unlink(temporary)
            throw .temporary("the message file could not be written (errno \(code))")
        }
    }

    private func ensureDirectory() throws(MailDeliveryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .permanent("the mail directory is a file") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .temporary("the mail directory cannot be created")
        }
    }
}

extension UInt8 {
    /// Letters, digits, `-` and `_`: outbox ids (ULIDs) and nothing that could leave the directory.
    fileprivate var isFileNameSafe: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || self == 0x2D || self == 0x5F
    }
}
