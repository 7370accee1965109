extension Duration {
    /// The duration as fractional seconds, for rates and latencies.
    var fractionalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
