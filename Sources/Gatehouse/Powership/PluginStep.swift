/// What a middleware tells its chain to do next.
public enum PluginStep<Value: Sendable>: Sendable {
    /// Keep the current value and go on.
    case next
    /// Go on with another value.
    case replace(Value)
    /// Stop the whole chain now and make `Value` its result.
    case finish(Value)
}
