import Foundation

/// How long ago something happened, in the words a person uses: "just now", "3 minutes ago",
/// "yesterday", "12 days ago". Beyond a year, the date.
enum RelativeTime {
    static func describe(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        switch seconds {
        case ..<45: return "just now"
        case ..<90: return "a minute ago"
        case ..<3_600: return "\(max(2, seconds / 60)) minutes ago"
        case ..<5_400: return "an hour ago"
        case ..<86_400: return "\(max(2, seconds / 3_600)) hours ago"
        case ..<172_800: return "yesterday"
        case ..<31_536_000: return "\(seconds / 86_400) days ago"
        default: return calendarDate(date)
        }
    }

    /// `30 Nov 2026`, in UTC, for dates shown as they are.
    static func calendarDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(parts.day ?? 1) \(months[((parts.month ?? 1) - 1) % 12]) \(parts.year ?? 1970)"
    }
}
