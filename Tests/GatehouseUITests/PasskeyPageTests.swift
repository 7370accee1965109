import Foundation
import Gatehouse
import GatehouseUI
import Testing

/// Passkeys on the pages: the forms the script fills in, hidden until it runs, and the options it asks
/// for after the password. The ceremonies themselves run in a real browser (`scripts/passkey_test.py`).
@Suite("Account pages: passkeys")
struct PasskeyPageTests {
    static func harness() -> PageHarness {
        PageHarness(accounts: { $0.relyingParty = RelyingParty(id: "localhost", origins: ["http://localhost"]) })
    }

    @Test("the login page has a hidden passkey form and loads the script; without a relying party, neither")
    func loginPage() async throws {
        try await Self.harness().test { client in
            let page = try await Browser(client).get("/ui/login?return_to=%2Fui%2Fsessions")
            #expect(
                page.body.contains(
                    #"<form method="post" action="/ui/login/passkey" class="card passkey-login" id="passkey-login-form" data-passkeys hidden>"#
                )
            )
            #expect(page.body.contains(#"<script src="/ui/assets/gatehouse.js" defer></script>"#))
            #expect(page.values(named: "return_to") == ["/ui/sessions", "/ui/sessions"], "both forms go back to the same place")
        }
        try await PageHarness().test { client in
            let page = try await Browser(client).get("/ui/login")
            #expect(!page.body.contains("passkey"))
            #expect(!page.body.contains("<script"))
        }
    }

    @Test("the script is served as JavaScript from this server, and the policy lets only it run")
    func script() async throws {
        try await Self.harness().test { client in
            let script = try await Browser(client).get("/ui/assets/gatehouse.js")
            #expect(script.status == .ok)
            #expect(script.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(script.body.contains("parseCreationOptionsFromJSON"))
            #expect(script.securityHeaderProblems == ["Cache-Control is public, max-age=3600, not no-store"], "cached like the stylesheet")
            #expect(script.header("X-Content-Type-Options") == "nosniff")
        }
    }

    @Test("the account page lists the passkeys; the options need the password, and answer JSON either way")
    func options() async throws {
        let harness = Self.harness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let account = try await browser.get("/ui/account")
            #expect(account.body.contains(#"<h2 id="passkeys-heading">Passkeys</h2>"#))
            #expect(account.body.contains(#"id="passkey-add-form" data-passkeys hidden"#))
            #expect(!account.body.contains("passkey-remove-form"), "nothing to remove yet")

            let expired = try await browser.post("/ui/account/passkeys/options", [("passkey_password", PageHarness.password)])
            #expect(expired.status == .forbidden, "no csrf_token")
            #expect(expired.header("Content-Type") == "application/json; charset=utf-8", "JSON for the script, not a page")

            let wrong = try await browser.submit("/ui/account/passkeys/options", [("passkey_password", "not the password")], from: account)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.header("Content-Type") == "application/json; charset=utf-8")
            let problem = try JSONSerialization.jsonObject(with: Data(wrong.body.utf8)) as? [String: [String: String]]
            #expect(problem?["error"]?["field"] == "passkey_password")

            let right = try await browser.submit("/ui/account/passkeys/options", [("passkey_password", PageHarness.password)], from: account)
            #expect(right.status == .ok)
            let options = try #require(try JSONSerialization.jsonObject(with: Data(right.body.utf8)) as? [String: Any])
            #expect((options["rp"] as? [String: String])?["id"] == "localhost")
            #expect((options["user"] as? [String: String])?["name"] == "alice")
            #expect(options["attestation"] as? String == "none")
        }
    }

    @Test("a credential that is not one shows the page again with words, and adds nothing")
    func refused() async throws {
        let harness = Self.harness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let account = try await browser.get("/ui/account")
            let added = try await browser.submit("/ui/account/passkeys", [("credential", #"{"id":"x"}"#), ("passkey_name", "Laptop")], from: account)
            #expect(added.status == .unauthorized)
            #expect(added.body.contains("This passkey could not be used here."))
            let alice = try #require(try await harness.account("alice"))
            #expect(try await harness.accounts.passkeys(ofAccount: alice.accountID).isEmpty)

            let login = try await Browser(client).submit("/ui/login/passkey", [("credential", "not json")], via: "/ui/login")
            #expect(login.status == .unauthorized)
            #expect(!login.setsSession)
            #expect(login.heading == "Log in")
        }
    }
}
