import Foundation

/// A delivered message as Python's `email` package reads it: a decoder written apart from the one
/// under test, so that what the tests compare is what a mail client would show.
struct SMTPReceivedMail: Decodable {
    var from: String
    var to: String
    var subject: String
    var messageID: String
    var date: String
    var mimeVersion: String
    var contentType: String
    var text: String?
    var html: String?
    var defects: [String]

    enum CodingKeys: String, CodingKey {
        case from, to, subject, date, text, html, defects
        case messageID = "message_id"
        case mimeVersion = "mime_version"
        case contentType = "content_type"
    }

    private static let parser = """
        import email, email.policy, json, sys
        message = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
        def body(kind):
            part = message.get_body((kind,))
            return None if part is None else part.get_content().replace("\\r\\n", "\\n")
        defects = [str(d) for d in message.defects]
        for part in message.walk():
            defects += [str(d) for d in part.defects if part is not message]
        print(json.dumps({
            "from": str(message["from"]), "to": str(message["to"]), "subject": str(message["subject"]),
            "message_id": str(message["message-id"]), "date": str(message["date"]),
            "mime_version": str(message["mime-version"]), "content_type": message.get_content_type(),
            "text": body("plain"), "html": body("html"), "defects": defects,
        }))
        """

    /// Reads `raw` with Python's `email` package.
    static func parse(_ raw: Data) throws -> SMTPReceivedMail {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-mail-\(UUID().uuidString).eml")
        try raw.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try SMTPTestServer.runTool(["python3", "-c", parser, file.path])
        return try JSONDecoder().decode(SMTPReceivedMail.self, from: Data(result.output.utf8))
    }
}
