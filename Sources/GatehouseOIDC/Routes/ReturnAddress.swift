import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird

/// Where a browser may be sent after a login with a provider: a path on this server, or an address on
/// an allowed origin — never anywhere else, so that the login cannot be made into an open redirect.
enum ReturnAddress {
    /// `text` when allowed, else `AccountError.Code.invalidRequest` (`AccountError.Detail.returnTo`);
    /// `/` when absent.
    static func checked(_ text: String?, settings: IdentityProviderRouteSettings) throws(AccountError) -> String {
        guard let text, !text.isEmpty else { return "/" }
        guard text.utf8.count <= 2048, !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" }) else {
            throw AccountError.invalidRequest(.returnTo)
        }
        if text.hasPrefix("/") {
            // `//host` and `/\host` are other hosts to a browser.
            guard !text.hasPrefix("//") else { throw AccountError.invalidRequest(.returnTo) }
            return text
        }
        let allowed = Set(([settings.externalURL] + settings.returnOrigins).compactMap { WebOrigin($0)?.serialized })
        guard let schemeEnd = text.range(of: "://") else { throw AccountError.invalidRequest(.returnTo) }
        let afterScheme = text[schemeEnd.upperBound...]
        let originEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        guard let origin = WebOrigin(String(text[..<originEnd])), allowed.contains(origin.serialized), !afterScheme.contains("@") else {
            throw AccountError.invalidRequest(.returnTo)
        }
        return text
    }
}
