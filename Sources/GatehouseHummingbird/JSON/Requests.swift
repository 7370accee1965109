import Foundation

// The request bodies of the JSON API. Only the fields declared here are read: any other field of a
// body is ignored, so nothing else about an account or a session can be set from outside.

/// The body of `POST /v1/accounts`. Only these fields are read; any other field is ignored, so nothing
/// else about the account can be set from outside.
@_spi(Fuzzing) public struct CreateAccountBody: Decodable {
    @_spi(Fuzzing) public var username: String
    @_spi(Fuzzing) public var email: String
    @_spi(Fuzzing) public var password: String
}

/// The body of `POST /v1/login`.
@_spi(Fuzzing) public struct LoginBody: Decodable {
    @_spi(Fuzzing) public var username: String
    @_spi(Fuzzing) public var password: String
}
