/// A person's name for the device behind a `User-Agent`: "Chrome on Linux", "Safari on iPhone".
///
/// Only the browsers and systems most people use are told apart; the order of the checks matters,
/// because nearly every browser claims to be Mozilla, many claim Safari, and Edge and Opera claim Chrome.
struct DeviceDescription: Sendable, Equatable {
    var browser: String
    var system: String

    init(browser: String, system: String) {
        self.browser = browser
        self.system = system
    }

    init(userAgent: String) {
        browser = Self.browser(in: userAgent)
        system = Self.system(in: userAgent)
    }

    /// "Chrome on Linux"; just the browser or the system when the other is unknown.
    var summary: String {
        switch (browser, system) {
        case (Self.unknownBrowser, Self.unknownSystem): "Unknown device"
        case (Self.unknownBrowser, _): system
        case (_, Self.unknownSystem): browser
        default: "\(browser) on \(system)"
        }
    }

    static let unknownBrowser = "Unknown browser"
    static let unknownSystem = "unknown system"

    private static let browsers: [(marker: String, name: String)] = [
        ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"), ("HeadlessChrome/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
        ("curl/", "curl"), ("Wget/", "Wget"), ("python-requests/", "Python requests"),
    ]

    private static let systems: [(marker: String, name: String)] = [
        ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
        ("Windows", "Windows"), ("Macintosh", "macOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"),
    ]

    private static func browser(in userAgent: String) -> String {
        for (marker, name) in browsers where userAgent.contains(marker) {
            // "Version/" alone is not Safari: Safari also says "Safari/".
            if marker == "Version/", !userAgent.contains("Safari/") { continue }
            return name
        }
        return unknownBrowser
    }

    private static func system(in userAgent: String) -> String {
        systems.first { userAgent.contains($0.marker) }?.name ?? unknownSystem
    }
}
