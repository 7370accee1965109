import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse

/// A WebAuthn authenticator in software, with the browser around it, for tests of the passkey
/// ceremonies: it holds one ES256 or EdDSA credential and answers options the way
/// `navigator.credentials.create()` and `get()` followed by `toJSON()` do, base64url without padding.
///
/// Every answer can be spoiled one way (``Tampering``) to check that the relying party refuses it. The
/// encodings are built here from the specification — client data as a browser writes it, authenticator
/// data byte by byte — so the checks run against data Gatehouse did not produce; only the canonical CBOR
/// of the key and the attestation object comes from `CBORWriter`.
///
/// Package access: for this package's own tests, not part of `GatehouseTesting`'s public API.
package struct SoftwareAuthenticator: Sendable {
    /// The algorithm of the credential.
    package enum Algorithm: String, Sendable, CaseIterable, CustomStringConvertible {
        /// ECDSA on P-256 with SHA-256 (COSE -7), signatures in ASN.1 DER.
        case es256
        /// Ed25519 (COSE -8), raw 64-byte signatures.
        case edDSA

        package var description: String { rawValue }

        /// The COSE algorithm identifier.
        package var coseIdentifier: Int64 { self == .es256 ? -7 : -8 }
    }

    /// The attestation statement a registration carries.
    package enum Attestation: Sendable {
        /// Format `none`, an empty statement: what Gatehouse asks for.
        case none
        /// Format `packed`, self attestation: `alg` and `sig`, the credential's own signature over the
        /// authenticator data and the client data hash.
        case packed
    }

    /// The user handle an assertion carries.
    package enum UserHandle: Sendable {
        /// The handle the registration options named (`user.id`); none before a registration.
        case stored
        /// No handle, as an authenticator answering for a non-discoverable credential sends.
        case omitted
        /// These bytes.
        case bytes([UInt8])
    }

    /// One way to spoil an answer; the defaults spoil nothing.
    package struct Tampering: Sendable {
        /// The page's origin in the client data, in place of the authenticator's ``SoftwareAuthenticator/origin``.
        package var origin: String?
        /// `crossOrigin` in the client data; `nil` leaves the member out (browsers write `false`).
        package var crossOrigin: Bool?
        /// `topOrigin` in the client data, when set.
        package var topOrigin: String?
        /// `type` in the client data, in place of `webauthn.create` or `webauthn.get`.
        package var clientDataType: String?
        /// `challenge` in the client data, in place of the options' one.
        package var challenge: String?
        /// The relying party id whose SHA-256 starts the authenticator data, in place of the options' one.
        package var rpID: String?
        /// The flags byte, in place of UP and UV (``userPresent`` | ``userVerified``). A registration adds
        /// ``attestedCredentialData`` to whatever this is, since the data that follows needs it.
        package var flags: UInt8?
        /// The signature counter reported, in place of the authenticator's own.
        package var signCount: UInt32?
        /// Flips the last bit of the signature (an assertion's, or a packed attestation's).
        package var flipsSignatureBit: Bool
        /// The user handle of an assertion.
        package var userHandle: UserHandle
        /// The credential's `type`.
        package var credentialType: String
        /// The credential's `id`, in place of the base64url of its raw id (which `rawId` keeps).
        package var id: String?
        /// The attestation of a registration.
        package var attestation: Attestation
        /// The credential id inside the attested credential data, in place of the credential's own.
        package var attestedCredentialID: [UInt8]?

        package init(
            origin: String? = nil,
            crossOrigin: Bool? = false,
            topOrigin: String? = nil,
            clientDataType: String? = nil,
            challenge: String? = nil,
            rpID: String? = nil,
            flags: UInt8? = nil,
            signCount: UInt32? = nil,
            flipsSignatureBit: Bool = false,
            userHandle: UserHandle = .stored,
            credentialType: String = "public-key",
            id: String? = nil,
            attestation: Attestation = .none,
            attestedCredentialID: [UInt8]? = nil
        ) {
            self.origin = origin
            self.crossOrigin = crossOrigin
            self.topOrigin = topOrigin
            self.clientDataType = clientDataType
            self.challenge = challenge
            self.rpID = rpID
            self.flags = flags
            self.signCount = signCount
            self.flipsSignatureBit = flipsSignatureBit
            self.userHandle = userHandle
            self.credentialType = credentialType
            self.id = id
            self.attestation = attestation
            self.attestedCredentialID = attestedCredentialID
        }
    }

    // Authenticator data flags (WebAuthn §6.1).
    /// UP: a user was present.
    package static let userPresent: UInt8 = 0x01
    /// UV: the user was verified.
    package static let userVerified: UInt8 = 0x04
    /// BE: the credential may be backed up.
    package static let backupEligible: UInt8 = 0x08
    /// BS: the credential is backed up.
    package static let backedUp: UInt8 = 0x10
    /// AT: attested credential data follows the counter.
    package static let attestedCredentialData: UInt8 = 0x40

    private enum PrivateKey: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    package let algorithm: Algorithm
    /// The credential id (16 random bytes unless given).
    package let credentialID: [UInt8]
    /// The origin of the page the ceremonies run in.
    package var origin: String
    /// Whether the authenticator keeps a signature counter; one that does not reports 0, as most synced
    /// passkeys do.
    package var counting: Bool
    /// The counter: a counting authenticator adds one before each ceremony and reports the sum.
    package var signCount: UInt32 = 0
    /// The user handle the last registration options named (`user.id`, decoded).
    package private(set) var userHandle: [UInt8]?
    private let privateKey: PrivateKey

    package init(_ algorithm: Algorithm = .es256, origin: String = "https://example.com", counting: Bool = false, credentialID: [UInt8]? = nil) {
        self.algorithm = algorithm
        self.origin = origin
        self.counting = counting
        self.credentialID = credentialID ?? (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        privateKey =
            switch algorithm {
            case .es256: .p256(P256.Signing.PrivateKey())
            case .edDSA: .ed25519(Curve25519.Signing.PrivateKey())
            }
    }

    /// The credential id, base64url: the `id` and `rawId` of its answers.
    package var encodedCredentialID: String { Self.base64url(credentialID) }

    /// The public key as the COSE_Key bytes a registration attests (and a store keeps).
    package var cosePublicKey: [UInt8] {
        let entries: [(Int64, CBORValue)]
        switch privateKey {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            entries = [
                (1, .integer(2)), (3, .integer(-7)), (-1, .integer(1)), (-2, .bytes(Array(point[1..<33]))), (-3, .bytes(Array(point[33..<65]))),
            ]
        case .ed25519(let key):
            entries = [(1, .integer(1)), (3, .integer(-8)), (-1, .integer(6)), (-2, .bytes(Array(key.publicKey.rawRepresentation)))]
        }
        return CBORWriter.encode(Self.map(entries.map { (CBORValue.integer($0.0), $0.1) }))
    }

    // MARK: Ceremonies

    /// Answers registration options, like `navigator.credentials.create()`: remembers the user handle
    /// and returns the new credential.
    package mutating func create(_ options: PasskeyCreationOptions, _ tampering: Tampering = Tampering()) -> PasskeyRegistrationCredential {
        create(challenge: options.challenge, rpID: options.rp.id, userID: options.user.id, tampering)
    }

    /// Answers registration options given by their members (`challenge`, `rp.id`, `user.id`), as read
    /// from the JSON a server sent.
    package mutating func create(
        challenge: String,
        rpID: String,
        userID: String,
        _ tampering: Tampering = Tampering()
    ) -> PasskeyRegistrationCredential {
        userHandle = Self.decode(userID)
        var authenticatorData = header(
            rpID: tampering.rpID ?? rpID,
            flags: (tampering.flags ?? Self.userPresent | Self.userVerified) | Self.attestedCredentialData,
            signCount: nextSignCount(tampering)
        )
        let attestedID = tampering.attestedCredentialID ?? credentialID
        authenticatorData += [UInt8](repeating: 0, count: 16)  // AAGUID: zeros under attestation "none"
        authenticatorData += [UInt8(attestedID.count >> 8), UInt8(attestedID.count & 0xFF)]
        authenticatorData += attestedID
        authenticatorData += cosePublicKey
        let clientData = clientDataJSON(type: tampering.clientDataType ?? "webauthn.create", challenge: tampering.challenge ?? challenge, tampering)

        let statement: CBORValue
        let format: String
        switch tampering.attestation {
        case .none:
            format = "none"
            statement = Self.map([])
        case .packed:
            format = "packed"
            let signature = sign(authenticatorData + SHA256.hash(data: clientData), flipping: tampering.flipsSignatureBit)
            statement = Self.map([(.text("alg"), .integer(algorithm.coseIdentifier)), (.text("sig"), .bytes(signature))])
        }
        let attestationObject = CBORWriter.encode(
            Self.map([(.text("fmt"), .text(format)), (.text("attStmt"), statement), (.text("authData"), .bytes(authenticatorData))])
        )
        return PasskeyRegistrationCredential(
            id: tampering.id ?? encodedCredentialID,
            rawId: encodedCredentialID,
            type: tampering.credentialType,
            response: .init(clientDataJSON: Self.base64url(clientData), attestationObject: Self.base64url(attestationObject))
        )
    }

    /// Answers login options, like `navigator.credentials.get()` (whether or not they name the
    /// credential: a test may present a credential the options leave out).
    package mutating func get(_ options: PasskeyRequestOptions, _ tampering: Tampering = Tampering()) -> PasskeyAssertionCredential {
        get(challenge: options.challenge, rpID: options.rpId, tampering)
    }

    /// Answers login options given by their members (`challenge`, `rpId`).
    package mutating func get(challenge: String, rpID: String, _ tampering: Tampering = Tampering()) -> PasskeyAssertionCredential {
        let authenticatorData = header(
            rpID: tampering.rpID ?? rpID,
            flags: tampering.flags ?? Self.userPresent | Self.userVerified,
            signCount: nextSignCount(tampering)
        )
        let clientData = clientDataJSON(type: tampering.clientDataType ?? "webauthn.get", challenge: tampering.challenge ?? challenge, tampering)
        let signature = sign(authenticatorData + SHA256.hash(data: clientData), flipping: tampering.flipsSignatureBit)
        let handle: [UInt8]? =
            switch tampering.userHandle {
            case .stored: userHandle
            case .omitted: nil
            case .bytes(let bytes): bytes
            }
        return PasskeyAssertionCredential(
            id: tampering.id ?? encodedCredentialID,
            rawId: encodedCredentialID,
            type: tampering.credentialType,
            response: .init(
                clientDataJSON: Self.base64url(clientData),
                authenticatorData: Self.base64url(authenticatorData),
                signature: Self.base64url(signature),
                userHandle: handle.map(Self.base64url)
            )
        )
    }

    // MARK: Encodings

    /// Base64url without padding, written here rather than with Gatehouse's encoder.
    package static func base64url(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of unpadded base64url text, or `nil`.
    package static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }

    /// The 37 bytes every authenticator data starts with: SHA-256 of the relying party id, the flags and
    /// the big-endian counter.
    private func header(rpID: String, flags: UInt8, signCount: UInt32) -> [UInt8] {
        Array(SHA256.hash(data: Array(rpID.utf8))) + [flags] + (0..<4).map { UInt8(truncatingIfNeeded: signCount >> UInt32(24 - 8 * $0)) }
    }

    private mutating func nextSignCount(_ tampering: Tampering) -> UInt32 {
        if counting { signCount += 1 }
        return tampering.signCount ?? (counting ? signCount : 0)
    }

    /// Client data the way a browser writes it: `type`, `challenge`, `origin`, then `crossOrigin` and
    /// `topOrigin` when present.
    private func clientDataJSON(type: String, challenge: String, _ tampering: Tampering) -> [UInt8] {
        var members = [
            ("type", Self.jsonString(type)), ("challenge", Self.jsonString(challenge)), ("origin", Self.jsonString(tampering.origin ?? origin)),
        ]
        if let crossOrigin = tampering.crossOrigin { members.append(("crossOrigin", crossOrigin ? "true" : "false")) }
        if let topOrigin = tampering.topOrigin { members.append(("topOrigin", Self.jsonString(topOrigin))) }
        return Array(("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

    private static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try! encoder.encode(text), as: UTF8.self)
    }

    private func sign(_ message: [UInt8], flipping: Bool) -> [UInt8] {
        var signature =
            switch privateKey {
            case .p256(let key): Array(try! key.signature(for: message).derRepresentation)
            case .ed25519(let key): Array(try! key.signature(for: message))
            }
        // The last byte of a DER signature belongs to `s`: flipping it keeps the encoding valid.
        if flipping { signature[signature.count - 1] ^= 0x01 }
        return signature
    }

    private static func map(_ entries: [(CBORValue, CBORValue)]) -> CBORValue {
        .map(try! CBORMap(entries: entries.map { CBORMap.Entry(key: $0.0, value: $0.1) }))
    }
}
