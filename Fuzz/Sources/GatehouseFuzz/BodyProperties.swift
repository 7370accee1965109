import Foundation
import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird

/// Properties of the JSON request bodies and of the input rules applied to what they carry.
enum BodyProperties {
    static func bodies(_ bytes: [UInt8]) {
        let data = Data(bytes)
        do {
            let body = try JSONPayload.decode(CreateAccountBody.self, from: data)
            rules(username: body.username, email: body.email, password: body.password)
        } catch {
            precondition(error.code == .invalidRequest, "a body failure with another code")
        }
        if let body = try? JSONPayload.decode(LoginBody.self, from: data) {
            rules(username: body.username, email: nil, password: body.password)
        }
    }

    /// What the rules accept is canonical: bounded, in the allowed alphabet, and unchanged when
    /// checked again, so the value stored is the value later looked up.
    private static func rules(username: String, email: String?, password: String) {
        if let canonical = try? AccountValidation.canonicalUsername(username) {
            let bytes = canonical.utf8
            precondition((3...16).contains(bytes.count), "a username of the wrong length was accepted")
            precondition(
                bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F },
                "a username outside a-z 0-9 _ was accepted"
            )
            precondition(
                (try? AccountValidation.canonicalUsername(canonical)).map { Array($0.utf8) } == Array(canonical.utf8),
                "a canonical username is not stable"
            )
        }
        if let email, let canonical = try? AccountValidation.canonicalEmail(email) {
            precondition(canonical.utf8.count <= 254, "an oversized e-mail address was accepted")
            precondition(
                !canonical.unicodeScalars.contains { $0.properties.generalCategory == .control },
                "an e-mail address with a control character was accepted"
            )
            precondition(
                (try? AccountValidation.canonicalEmail(canonical)).map { Array($0.utf8) } == Array(canonical.utf8),
                "a canonical e-mail address is not stable"
            )
        }
        if let normalized = try? AccountValidation.normalizedPassword(password) {
            precondition((7...200).contains(normalized.utf16.count), "a password of the wrong length was accepted")
            precondition(Array(AccountValidation.normalize(normalized).utf8) == Array(normalized.utf8), "password normalisation is not stable")
        }
    }
}
