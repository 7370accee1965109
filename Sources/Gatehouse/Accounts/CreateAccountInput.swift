/// The fields of a new account. Only these are accepted: there is no way to set an id, permissions or
/// any other stored field from the input.
public struct CreateAccountInput: Sendable {
    public var username: String
    public var email: String
    public var password: String
    public var extraContacts: [Contact]

    public init(username: String, email: String, password: String, extraContacts: [Contact] = []) {
        self.username = username
        self.email = email
        self.password = password
        self.extraContacts = extraContacts
    }

    /// An additional way to reach the account holder.
    public struct Contact: Sendable, Equatable {
        public var kind: ContactRecord.Kind
        public var value: String

        public init(kind: ContactRecord.Kind, value: String) {
            self.kind = kind
            self.value = value
        }
    }
}
