/// `{"account":{…}}` (`POST /v1/accounts`).
struct AccountResponse: Encodable {
    var account: AccountPayload
}
