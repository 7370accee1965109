import Foundation
import HTTPTypes
import Hummingbird

/// One response as a browser sees it, with what the tests read from the HTML.
struct Page: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    /// Where a redirect goes.
    var location: String? { headers[.location] }

    /// The `Set-Cookie` value for the cookie `name`, if the response sets or clears it.
    func setCookie(_ name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }

    /// Whether the response clears the session cookie.
    var clearsSession: Bool {
        guard let setting = setCookie(sessionCookieName) else { return false }
        return setting.hasPrefix("\(sessionCookieName)=;") && setting.contains("Max-Age=0")
    }

    /// Whether the response hands the browser a (new) session token.
    var setsSession: Bool {
        guard let setting = setCookie(sessionCookieName) else { return false }
        return !setting.hasPrefix("\(sessionCookieName)=;")
    }

    /// The token in the first `csrf_token` field.
    var csrfToken: String? { inputs.first { $0["name"] == "csrf_token" }?["value"] }

    /// The attributes of every `<input>`, unescaped.
    var inputs: [[String: String]] {
        body.matches(of: /<input\b[^>]*>/).map { HTML.attributes(of: $0.output) }
    }

    /// The attributes of every `<label>`, unescaped.
    var labels: [[String: String]] {
        body.matches(of: /<label\b[^>]*>/).map { HTML.attributes(of: $0.output) }
    }

    /// The value of the input with this id.
    func value(ofInput id: String) -> String? {
        inputs.first { $0["id"] == id }?["value"]
    }

    /// The values of every input named `name` (hidden ones included).
    func values(named name: String) -> [String] {
        inputs.filter { $0["name"] == name }.compactMap { $0["value"] }
    }

    /// The page heading.
    var heading: String? { HTML.text(in: body, after: "<h1>", until: "</h1>") }

    /// The error shown under the field whose input has this id.
    func fieldError(_ id: String) -> String? {
        HTML.text(in: body, after: #"<p class="field-error" id="\#(id)-error">"#, until: "</p>")
    }

    /// Every error shown under a field.
    var fieldErrors: [String] {
        body.matches(of: /<p class="field-error" id="[^"]*">([^<]*)<\/p>/).map { HTML.unescape(String($0.output.1)) }
    }

    /// The alert about the form as a whole.
    var alert: String? { HTML.text(in: body, after: #"<div class="alert" role="alert">"#, until: "</div>") }

    /// The notice a redirect asked for.
    var notice: String? { HTML.text(in: body, after: #"<div class="notice" role="status">"#, until: "</div>") }

    /// The sentence of a message page.
    var message: String? { HTML.text(in: body, after: "<div class=\"card\">\n<p>", until: "</p>") }

    /// The devices listed on the sessions page: name, "This device" or not, and the session id its form
    /// ends (`nil` for the current one, which has no form).
    var devices: [(name: String, current: Bool, sessionID: String?)] {
        body.components(separatedBy: #"<li class="device card"#).dropFirst().map { item in
            let name = HTML.text(in: item, after: #"<div class="device-name">"#, until: "<") ?? ""
            let sessionID = item.matches(of: /<input\b[^>]*>/).map { HTML.attributes(of: $0.output) }
                .first { $0["name"] == "session_id" }?["value"]
            return (name.trimmingCharacters(in: .whitespaces), item.contains(#"<span class="badge ok">This device</span>"#), sessionID)
        }
    }
}

/// Just enough HTML reading for the tests.
enum HTML {
    /// The `name="value"` attributes of a tag.
    static func attributes(of tag: Substring) -> [String: String] {
        var attributes: [String: String] = [:]
        for match in tag.matches(of: /([a-zA-Z-]+)="([^"]*)"/) {
            attributes[String(match.output.1)] = unescape(String(match.output.2))
        }
        return attributes
    }

    /// The unescaped text between the first `start` and the next `end`.
    static func text(in html: String, after start: String, until end: String) -> String? {
        guard let opening = html.range(of: start), let closing = html.range(of: end, range: opening.upperBound..<html.endIndex) else {
            return nil
        }
        return unescape(String(html[opening.upperBound..<closing.lowerBound]))
    }

    /// Text with the entities Mustache writes turned back into characters.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
