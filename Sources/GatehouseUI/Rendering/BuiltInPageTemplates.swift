/// The pages `gatehouse serve` shows unless `--templates DIR` overrides them (with files
/// `DIR/ui/<name>.mustache`): a `layout` around every page, one template per page, and the stylesheet.
///
/// Every page sees `brand`, `title`, `csrf_token`, `signed_in`, `passkeys_available`, `username`,
/// `notice` and `alert`; a form
/// field `x` also has `x_value` (what was typed, never a password) and `x_error` (what is wrong with it,
/// in words). The layout puts the page's own HTML where it says `{{{content}}}`.
enum BuiltInPageTemplates {
    static let all: [String: String] = [
        "layout": layout,
        "signup": signup,
        "login": login,
        "login_code": loginCode,
        "totp_setup": totpSetup,
        "totp_codes": totpCodes,
        "recovery": recovery,
        "recovery_sent": recoverySent,
        "reset": reset,
        "verify": verify,
        "account": account,
        "sessions": sessions,
        "logout": logout,
        "message": message,
        "stylesheet": PageStylesheet.template,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{brand}}</title>
        <link rel="stylesheet" href="/ui/assets/gatehouse.css">
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/ui/account">{{#logo_url}}<img src="{{logo_url}}" alt="" height="28">{{/logo_url}}<span>{{brand}}</span></a>
        <nav aria-label="Account">
        {{#signed_in}}<a href="/ui/account">Account</a><a href="/ui/sessions">Devices</a>
        <form method="post" action="/ui/logout" class="inline">\(csrfField)<button type="submit" class="link">Log out</button></form>{{/signed_in}}
        {{^signed_in}}<a href="/ui/login">Log in</a><a href="/ui/signup">Sign up</a>{{/signed_in}}
        </nav>
        </header>
        <main>
        <h1>{{title}}</h1>
        {{#notice}}<div class="notice" role="status">{{notice}}</div>{{/notice}}
        {{#alert}}<div class="alert" role="alert">{{alert}}</div>{{/alert}}
        {{{content}}}
        </main>
        </body>
        </html>
        """

    /// Links that start a login with each configured identity provider: plain links, so they work
    /// without JavaScript.
    static let providerButtons = """
        {{#has_providers}}<div class="card providers" aria-label="Other ways to log in">{{#providers}}<a class="button" href="{{start}}">Continue with {{display_name}}</a>{{/providers}}</div>{{/has_providers}}
        """

    static let signup = """
        <form method="post" action="/ui/signup" class="card" id="signup-form" novalidate>
        \(csrfField)
        \(field("username", label: "Username", autocomplete: "username", hint: "3 to 16 letters, digits or _"))
        \(field("email", label: "E-mail address", type: "email", autocomplete: "email"))
        \(field("password", label: "Password", type: "password", autocomplete: "new-password", hint: "At least 8 characters. A few words together make a strong one."))
        <button type="submit" class="primary">Create account</button>
        </form>
        \(providerButtons)
        <p class="aside">Already have an account? <a href="/ui/login">Log in</a></p>
        """

    static let login = """
        <form method="post" action="/ui/login" class="card" id="login-form" novalidate>
        \(csrfField)
        {{#return_to}}<input type="hidden" name="return_to" value="{{return_to}}">{{/return_to}}
        \(field("username", label: "Username", autocomplete: "username"))
        \(field("password", label: "Password", type: "password", autocomplete: "current-password"))
        <button type="submit" class="primary">Log in</button>
        </form>
        {{#passkeys_available}}
        <form method="post" action="/ui/login/passkey" class="card passkey-login" id="passkey-login-form" data-passkeys hidden>
        \(csrfField)
        <input type="hidden" name="credential" value="">
        {{#return_to}}<input type="hidden" name="return_to" value="{{return_to}}">{{/return_to}}
        <p class="alert passkey-alert" role="alert" hidden></p>
        <button type="submit">Log in with a passkey</button>
        </form>
        <script src="/ui/assets/gatehouse.js" defer></script>
        {{/passkeys_available}}
        \(providerButtons)
        <p class="aside"><a href="/ui/recovery">Forgot your password?</a> · <a href="/ui/signup">Create an account</a></p>
        """

    /// The second step of a login whose account has a second factor: one field takes the app's code or
    /// a recovery code.
    static let loginCode = """
        <form method="post" action="/ui/login/code" class="card" id="login-code-form" novalidate>
        \(csrfField)
        <input type="hidden" name="challenge" value="{{challenge}}">
        {{#return_to}}<input type="hidden" name="return_to" value="{{return_to}}">{{/return_to}}
        \(field("code", label: "Code", autocomplete: "one-time-code", hint: "The 6 digits your authenticator app shows, or one of your recovery codes."))
        <button type="submit" class="primary">Continue</button>
        </form>
        <p class="aside"><a href="/ui/login">Start again</a></p>
        """

    /// Setting up TOTP: the secret to type or the link to open in the app, then its first code.
    static let totpSetup = """
        <section class="card">
        <p>Add this account to your authenticator app: open the link on your phone, or type the key.</p>
        <p><a href="{{otpauth_url}}">Open in the authenticator app</a></p>
        <p>Key: <code class="secret">{{secret}}</code></p>
        <form method="post" action="/ui/account/totp/confirm" id="totp-confirm-form" novalidate>
        \(csrfField)
        \(field("code", label: "Code", autocomplete: "one-time-code", hint: "The 6 digits the app shows for this account."))
        <button type="submit" class="primary">Turn on</button>
        </form>
        </section>
        <p class="aside"><a href="/ui/account">Not now</a></p>
        """

    /// The recovery codes, shown once.
    static let totpCodes = """
        <section class="card">
        <p>Two-step verification is on. Keep these recovery codes somewhere safe: each one logs you in once if you lose your phone. They are not shown again.</p>
        <ul class="codes">
        {{#codes}}<li><code>{{.}}</code></li>{{/codes}}
        </ul>
        <p><a class="button" href="/ui/account">Done</a></p>
        </section>
        """

    static let recovery = """
        <form method="post" action="/ui/recovery" class="card" id="recovery-form" novalidate>
        \(csrfField)
        <p>Enter the e-mail address of your account and we will send you a link to choose a new password.</p>
        \(field("email", label: "E-mail address", type: "email", autocomplete: "email"))
        <button type="submit" class="primary">Send the link</button>
        </form>
        <p class="aside"><a href="/ui/login">Back to log in</a></p>
        """

    static let recoverySent = """
        <div class="card">
        <p>If an account uses <strong>{{email}}</strong>, a message with a link to choose a new password is on its way. The link works once and expires soon.</p>
        <p>Nothing arrived? Check your spam folder, or <a href="/ui/recovery">ask again</a>.</p>
        </div>
        """

    static let reset = """
        {{#token}}
        <form method="post" action="/ui/reset" class="card" id="reset-form" novalidate>
        \(csrfField)
        <input type="hidden" name="token" value="{{token}}">
        \(field("new_password", label: "New password", type: "password", autocomplete: "new-password", hint: "At least 8 characters. A few words together make a strong one."))
        <button type="submit" class="primary">Set the new password</button>
        </form>
        {{/token}}
        {{^token}}<p class="card">This link is not complete. <a href="/ui/recovery">Ask for a new one</a>.</p>{{/token}}
        """

    static let verify = """
        {{#token}}
        <form method="post" action="/ui/verify" class="card" id="verify-form">
        \(csrfField)
        <input type="hidden" name="token" value="{{token}}">
        <p>Confirm that this e-mail address is yours.</p>
        <button type="submit" class="primary">Confirm my address</button>
        </form>
        {{/token}}
        {{^token}}<p class="card">This link is not complete. Open the link from the message again.</p>{{/token}}
        """

    static let account = """
        <section class="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl class="facts">
        <dt>Username</dt><dd>{{username}}</dd>
        <dt>E-mail</dt><dd>{{email}} {{#email_verified}}<span class="badge ok">Confirmed</span>{{/email_verified}}{{^email_verified}}<span class="badge">Not confirmed</span>{{/email_verified}}</dd>
        <dt>Member since</dt><dd>{{created}}</dd>
        </dl>
        {{^email_verified}}
        <form method="post" action="/ui/account/verification" id="verification-form">\(csrfField)<button type="submit">Send a new confirmation link</button></form>
        {{/email_verified}}
        <p><a href="/ui/sessions">See the devices signed in to your account</a></p>
        </section>
        <section class="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <form method="post" action="/ui/account/password" id="password-form" novalidate>
        \(csrfField)
        \(field("current_password", label: "Current password", type: "password", autocomplete: "current-password"))
        \(field("new_password", label: "New password", type: "password", autocomplete: "new-password", hint: "At least 8 characters. Your other devices will be signed out."))
        <button type="submit" class="primary">Change password</button>
        </form>
        </section>
        <section class="card" aria-labelledby="email-heading">
        <h2 id="email-heading">Change your e-mail address</h2>
        <form method="post" action="/ui/account/email" id="email-form" novalidate>
        \(csrfField)
        \(field("email", label: "New e-mail address", type: "email", autocomplete: "email", hint: "We send a link to the new address; it takes effect once you open it."))
        \(field("password", label: "Password", type: "password", autocomplete: "current-password", id: "email-password"))
        <button type="submit">Change e-mail</button>
        </form>
        </section>
        {{#totp_available}}
        <section class="card" aria-labelledby="totp-heading">
        <h2 id="totp-heading">Two-step verification</h2>
        {{^totp_enabled}}
        <p>After your password, ask for a code from an authenticator app on your phone.</p>
        <form method="post" action="/ui/account/totp" id="totp-form" novalidate>
        \(csrfField)
        \(field("totp_password", label: "Password", type: "password", autocomplete: "current-password"))
        <button type="submit">Set up two-step verification</button>
        </form>
        {{/totp_enabled}}
        {{#totp_enabled}}
        <p><span class="badge ok">On</span> Logging in asks for a code from your authenticator app.</p>
        <form method="post" action="/ui/account/totp/delete" id="totp-off-form" novalidate>
        \(csrfField)
        \(field("totp_password", label: "Password", type: "password", autocomplete: "current-password"))
        \(field("code", label: "Code", autocomplete: "one-time-code", hint: "The 6 digits your app shows, or a recovery code."))
        <button type="submit" class="destructive">Turn off two-step verification</button>
        </form>
        {{/totp_enabled}}
        </section>
        {{/totp_available}}
        {{#passkeys_available}}
        <section class="card" aria-labelledby="passkeys-heading">
        <h2 id="passkeys-heading">Passkeys</h2>
        <p>Log in with your fingerprint, face or screen lock instead of your password.</p>
        {{#has_passkeys}}
        <ul class="passkeys">
        {{#passkeys}}<li><span class="passkey-name">{{name}}</span> <span class="hint">added {{added}}, last used {{last_used}}</span></li>{{/passkeys}}
        </ul>
        {{/has_passkeys}}
        <form method="post" action="/ui/account/passkeys" id="passkey-add-form" data-passkeys hidden novalidate>
        \(csrfField)
        <input type="hidden" name="credential" value="">
        \(field("passkey_name", label: "Name", autocomplete: "off", hint: "So you can tell your passkeys apart, such as Laptop."))
        \(field("passkey_password", label: "Password", type: "password", autocomplete: "current-password"))
        {{#totp_enabled}}\(field("passkey_code", label: "Code", autocomplete: "one-time-code", hint: "The 6 digits your app shows, or a recovery code."))
        {{/totp_enabled}}<p class="alert passkey-alert" role="alert" hidden></p>
        <button type="submit">Add a passkey</button>
        </form>
        <noscript><p class="hint">Adding a passkey needs JavaScript.</p></noscript>
        {{#has_passkeys}}
        <form method="post" action="/ui/account/passkeys/delete" id="passkey-remove-form" novalidate>
        \(csrfField)
        <div class="field">
        <label for="passkey_id">Passkey</label>
        <select id="passkey_id" name="passkey_id">{{#passkeys}}<option value="{{id}}">{{name}}, added {{added}}</option>{{/passkeys}}</select>
        </div>
        \(field("remove_password", label: "Password", type: "password", autocomplete: "current-password"))
        {{#totp_enabled}}\(field("remove_code", label: "Code", autocomplete: "one-time-code", hint: "The 6 digits your app shows, or a recovery code."))
        {{/totp_enabled}}<button type="submit" class="destructive">Remove passkey</button>
        </form>
        {{/has_passkeys}}
        </section>
        <script src="/ui/assets/gatehouse.js" defer></script>
        {{/passkeys_available}}
        <section class="card danger" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete your account</h2>
        <p>This ends every session and deletes your account and its data. It cannot be undone.</p>
        <form method="post" action="/ui/account/delete" id="delete-form" novalidate>
        \(csrfField)
        \(field("delete_password", label: "Password", type: "password", autocomplete: "current-password"))
        <button type="submit" class="destructive">Delete my account</button>
        </form>
        </section>
        """

    static let sessions = """
        <p>These devices are signed in to your account. If you do not recognise one, sign it out and change your password.</p>
        <ul class="devices">
        {{#devices}}
        <li class="device card{{#current}} current{{/current}}">
        <div class="device-name">{{device}}{{#current}} <span class="badge ok">This device</span>{{/current}}</div>
        <dl class="facts">
        <dt>IP address</dt><dd>{{ip}}</dd>
        <dt>Last active</dt><dd>{{last_active}}</dd>
        <dt>Signed in</dt><dd>{{created}}</dd>
        </dl>
        {{^current}}
        <form method="post" action="/ui/sessions/end" class="end-session">\(csrfField)<input type="hidden" name="session_id" value="{{id}}"><button type="submit">Sign out this device</button></form>
        {{/current}}
        </li>
        {{/devices}}
        </ul>
        {{#has_others}}
        <form method="post" action="/ui/sessions/end-others" id="end-others-form">\(csrfField)<button type="submit" class="destructive">Sign out everywhere else</button></form>
        {{/has_others}}
        """

    static let logout = """
        <form method="post" action="/ui/logout" class="card" id="logout-form">
        \(csrfField)
        <p>Sign out of {{brand}} on this device?</p>
        <button type="submit" class="primary">Log out</button>
        </form>
        """

    static let message = """
        <div class="card">
        <p>{{message}}</p>
        {{#link}}<p><a href="{{link}}">{{link_text}}</a></p>{{/link}}
        </div>
        """

    static let csrfField = #"<input type="hidden" name="csrf_token" value="{{csrf_token}}">"#

    /// A labelled input with its hint and its error, tied together for screen readers.
    static func field(
        _ name: String,
        label: String,
        type: String = "text",
        autocomplete: String,
        hint: String? = nil,
        id: String? = nil
    ) -> String {
        let id = id ?? name
        let fieldName = name == "delete_password" ? "password" : name
        let value = type == "password" ? "" : #" value="{{\#(name)_value}}""#
        let hintHTML = hint.map { #"<p class="hint" id="\#(id)-hint">\#($0)</p>"# } ?? ""
        let errorID = "{{#\(name)_error}} \(id)-error{{/\(name)_error}}"
        let describedBy =
            hint == nil
            ? "{{#\(name)_error}} aria-describedby=\"\(id)-error\"{{/\(name)_error}}" : #" aria-describedby="\#(id)-hint\#(errorID)""#
        return """
            <div class="field{{#\(name)_error}} invalid{{/\(name)_error}}">
            <label for="\(id)">\(label)</label>
            <input id="\(id)" name="\(fieldName)" type="\(type)" autocomplete="\(autocomplete)"\(value)\(describedBy){{#\(name)_error}} aria-invalid="true"{{/\(name)_error}}>
            \(hintHTML)
            {{#\(name)_error}}<p class="field-error" id="\(id)-error">{{\(name)_error}}</p>{{/\(name)_error}}
            </div>
            """
    }
}
