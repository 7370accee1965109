import Gatehouse

/// One AES-256-GCM key that seals provider tokens: a `SealingKey`, under the name the provider-token
/// settings use. Keys rotate by listing a new key first.
public typealias ProviderTokenKey = SealingKey
