/// What a page sends back after `navigator.credentials.create()`: the credential's `toJSON()`
/// (`RegistrationResponseJSON`). Members Gatehouse does not need (`clientExtensionResults`, the
/// convenience `publicKey`…) are ignored; binary members are base64url.
public struct PasskeyRegistrationCredential: Sendable, Equatable, Decodable {
    public struct Response: Sendable, Equatable, Decodable {
        public var clientDataJSON: String
        public var attestationObject: String

        public init(clientDataJSON: String, attestationObject: String) {
            self.clientDataJSON = clientDataJSON
            self.attestationObject = attestationObject
        }
    }

    public var id: String
    public var rawId: String
    public var type: String
    public var response: Response

    public init(id: String, rawId: String, type: String = "public-key", response: Response) {
        self.id = id
        self.rawId = rawId
        self.type = type
        self.response = response
    }
}

/// What a page sends back after `navigator.credentials.get()`: the credential's `toJSON()`
/// (`AuthenticationResponseJSON`).
public struct PasskeyAssertionCredential: Sendable, Equatable, Decodable {
    public struct Response: Sendable, Equatable, Decodable {
        public var clientDataJSON: String
        public var authenticatorData: String
        public var signature: String
        /// The user handle the authenticator stored with a discoverable passkey.
        public var userHandle: String?

        public init(clientDataJSON: String, authenticatorData: String, signature: String, userHandle: String?) {
            self.clientDataJSON = clientDataJSON
            self.authenticatorData = authenticatorData
            self.signature = signature
            self.userHandle = userHandle
        }
    }

    public var id: String
    public var rawId: String
    public var type: String
    public var response: Response

    public init(id: String, rawId: String, type: String = "public-key", response: Response) {
        self.id = id
        self.rawId = rawId
        self.type = type
        self.response = response
    }
}
