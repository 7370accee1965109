import Foundation
import Gatehouse

extension PasskeyRegistrationCredential {
    /// The credential as `toJSON()` gives it (`RegistrationResponseJSON`), with the members a browser
    /// adds that Gatehouse ignores.
    package var jsonObject: [String: Any] {
        [
            "id": id, "rawId": rawId, "type": type, "authenticatorAttachment": "platform", "clientExtensionResults": [String: Any](),
            "response": ["clientDataJSON": response.clientDataJSON, "attestationObject": response.attestationObject, "transports": ["internal"]],
        ]
    }

    /// ``jsonObject`` as JSON text.
    package var json: String { SoftwareAuthenticator.jsonText(jsonObject) }
}

extension PasskeyAssertionCredential {
    /// The credential as `toJSON()` gives it (`AuthenticationResponseJSON`), with the members a browser
    /// adds that Gatehouse ignores; no `userHandle` member when there is none.
    package var jsonObject: [String: Any] {
        var fields: [String: Any] = [
            "clientDataJSON": response.clientDataJSON, "authenticatorData": response.authenticatorData, "signature": response.signature,
        ]
        if let userHandle = response.userHandle { fields["userHandle"] = userHandle }
        return [
            "id": id, "rawId": rawId, "type": type, "authenticatorAttachment": "platform", "clientExtensionResults": [String: Any](),
            "response": fields,
        ]
    }

    /// ``jsonObject`` as JSON text.
    package var json: String { SoftwareAuthenticator.jsonText(jsonObject) }
}

extension SoftwareAuthenticator {
    /// A JSON object as text, keys sorted.
    package static func jsonText(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
