import Foundation
import Testing

@testable import GatehouseUI

@Suite("The device a session runs on, in words")
struct DeviceDescriptionTests {
    @Test(
        "a real user agent is named by its browser and system",
        arguments: [
            (UserAgent.chromeLinux, "Chrome on Linux"),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36",
                "Chrome on Linux"
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
                "Safari on macOS"
            ),
            (UserAgent.safariIPhone, "Safari on iPhone"),
            (UserAgent.firefoxWindows, "Firefox on Windows"),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
                "Edge on Windows"
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
                "Chrome on Android"
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
                "Chrome on iPhone"
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/124.0 Mobile/15E148 Safari/605.1.15",
                "Firefox on iPad"
            ),
            ("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", "Firefox on Android"),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0",
                "Opera on Windows"
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android"
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                "Chrome on ChromeOS"
            ),
            ("curl/8.5.0", "curl"),
            ("Wget/1.21.4", "Wget"),
            ("python-requests/2.31.0", "Python requests"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows"),
            ("Opera/9.80 (X11; Linux x86_64) Presto/2.12.388 Version/12.16", "Linux"),
            ("", "Unknown device"),
            ("GatehouseTests/1.0", "Unknown device"),
        ]
    )
    func summary(userAgent: String, expected: String) {
        #expect(DeviceDescription(userAgent: userAgent).summary == expected)
    }

    @Test("the browser and the system are told apart separately")
    func parts() {
        let safari = DeviceDescription(userAgent: UserAgent.safariIPhone)
        #expect(safari == DeviceDescription(browser: "Safari", system: "iPhone"))
        let curl = DeviceDescription(userAgent: "curl/8.5.0")
        #expect(curl.system == DeviceDescription.unknownSystem)
        #expect(DeviceDescription(userAgent: "").browser == DeviceDescription.unknownBrowser)
    }
}

@Suite("How long ago, in words")
struct RelativeTimeTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)  // 14 Nov 2023, 22:13:20 UTC

    @Test(
        "seconds ago become the words a person uses",
        arguments: [
            (0.0, "just now"),
            (44.9, "just now"),
            (45, "a minute ago"),
            (89, "a minute ago"),
            (90, "2 minutes ago"),
            (300, "5 minutes ago"),
            (3_599, "59 minutes ago"),
            (3_600, "an hour ago"),
            (5_399, "an hour ago"),
            (5_400, "2 hours ago"),
            (3 * 3_600, "3 hours ago"),
            (86_399, "23 hours ago"),
            (86_400, "yesterday"),
            (172_799, "yesterday"),
            (172_800, "2 days ago"),
            (12 * 86_400, "12 days ago"),
            (364 * 86_400, "364 days ago"),
            (365 * 86_400, "14 Nov 2022"),
            (400 * 86_400, "10 Oct 2022"),
            (-120, "just now"),
        ] as [(Double, String)]
    )
    func describe(secondsAgo: Double, expected: String) {
        #expect(RelativeTime.describe(Self.now.addingTimeInterval(-secondsAgo), now: Self.now) == expected)
    }

    @Test(
        "a calendar date is the day in UTC",
        arguments: [
            (0.0, "1 Jan 1970"),
            (1_700_000_000, "14 Nov 2023"),
            (1_704_067_199, "31 Dec 2023"),
            (1_704_067_200, "1 Jan 2024"),
            (1_709_164_800, "29 Feb 2024"),
        ] as [(Double, String)]
    )
    func calendarDate(seconds: Double, expected: String) {
        #expect(RelativeTime.calendarDate(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
