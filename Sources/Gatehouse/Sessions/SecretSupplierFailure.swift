/// Carries an error thrown by the caller's own secret supplier, which every public call rethrows
/// unchanged rather than as a Gatehouse failure.
struct SecretSupplierFailure: Error {
    let underlying: any Error
}
