import Foundation
@_spi(Fuzzing) import Gatehouse

/// Properties of the WebAuthn data reader that passkeys are built on. The reader is strict enough that
/// whatever it accepts has exactly one encoding, so each target checks that the accepted input is byte
/// for byte what its parsed value encodes back to.
enum PasskeyProperties {
    /// Any bytes as CBOR: an accepted item re-encodes to exactly its bytes and decodes back to the same
    /// value; the whole-buffer and prefix decoders agree. The same bytes then go to the two parsers
    /// that read a CBOR document, the COSE key and the attestation object.
    static func cbor(_ bytes: [UInt8]) {
        let whole = try? CBORReader.decode(bytes)
        if let (value, byteCount) = try? CBORReader.decodePrefix(bytes) {
            precondition(byteCount >= 1 && byteCount <= bytes.count, "the prefix decoder took an impossible number of bytes")
            let encoded = CBORWriter.encode(value)
            precondition(encoded == Array(bytes[..<byteCount]), "an accepted item is not in canonical form")
            precondition((try? CBORReader.decode(encoded)) == value, "an item changed in a round trip")
            precondition((whole != nil) == (byteCount == bytes.count), "the whole and prefix decoders disagree")
            precondition(depth(of: value) <= CBORReader.maximumDepth, "nesting beyond the limit was accepted")
        } else {
            precondition(whole == nil, "a buffer decoded whole but not as a prefix")
        }

        if let key = try? COSEKey(coseBytes: bytes) {
            precondition(whole != nil && key.coseBytes == bytes, "a COSE key does not keep its bytes")
            precondition((try? COSEKey(coseBytes: key.coseBytes)) == key, "a stored COSE key does not parse back")
            // Signatures made of the input: never valid, never a crash.
            _ = key.isValidSignature(Array(bytes.prefix(72)), for: bytes)
        }

        if let object = try? AttestationObject(bytes: bytes) {
            precondition(whole != nil, "an attestation object that is not one CBOR item was parsed")
            precondition(object.authenticatorData.attestedCredentialData != nil, "an attestation object without a credential was parsed")
            checkInvariants(object.authenticatorData)
        }
    }

    /// Any bytes as authenticator data and as client data JSON.
    static func webAuthn(_ bytes: [UInt8]) {
        if let data = try? AuthenticatorData(bytes: bytes) {
            precondition(data.rawBytes == bytes, "authenticator data does not keep its bytes")
            checkInvariants(data)
        }

        if let client = try? CollectedClientData(bytes: bytes) {
            precondition(client.rawBytes == bytes, "client data does not keep its bytes")
            precondition(bytes.count <= CollectedClientData.maximumByteCount, "oversized client data was parsed")
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            precondition(object?["type"] as? String == client.type.rawValue, "client data is not a JSON object of that type")
            precondition(object?["origin"] as? String == client.origin, "the origin is not the JSON's")
            // base64url decoding is canonical: the challenge encodes back to the text it came from.
            precondition(object?["challenge"] as? String == Base64URL.encode(client.challenge), "a non-canonical challenge was accepted")
        }
    }

    /// Authenticator data is exactly the concatenation of the fields it was parsed into.
    private static func checkInvariants(_ data: AuthenticatorData) {
        precondition(data.rpIDHash.count == 32, "rpIdHash of the wrong size")
        precondition(data.backupEligible || !data.backedUp, "backed up without being backup eligible")
        precondition((data.attestedCredentialData != nil) == data.hasAttestedCredentialData, "AT and the credential disagree")
        precondition((data.extensions != nil) == data.hasExtensions, "ED and the extensions disagree")
        var rebuilt = data.rpIDHash
        rebuilt.append(data.flags)
        rebuilt += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: data.signCount >> $0) }
        if let credential = data.attestedCredentialData {
            precondition(credential.aaguid.count == 16, "AAGUID of the wrong size")
            precondition(
                (1...AttestedCredentialData.maximumCredentialIDLength).contains(credential.credentialID.count),
                "credential id length out of bounds"
            )
            rebuilt += credential.aaguid
            rebuilt += [UInt8(credential.credentialID.count >> 8), UInt8(truncatingIfNeeded: credential.credentialID.count)]
            rebuilt += credential.credentialID
            rebuilt += credential.credentialPublicKey.coseBytes
            precondition((try? COSEKey(coseBytes: credential.credentialPublicKey.coseBytes)) != nil, "an embedded COSE key does not parse alone")
        }
        if let extensions = data.extensions {
            rebuilt += CBORWriter.encode(.map(extensions))
        }
        precondition(rebuilt == data.rawBytes, "authenticator data is not exactly its fields")
    }

    private static func depth(of value: CBORValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
        case .map(let map): 1 + (map.entries.map { max(depth(of: $0.key), depth(of: $0.value)) }.max() ?? 0)
        default: 0
        }
    }
}
