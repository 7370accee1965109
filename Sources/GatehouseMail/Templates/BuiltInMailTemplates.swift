/// The messages `gatehouse serve` sends unless `--templates DIR` overrides them: for each kind a
/// subject, a plain-text body and an HTML body, as Mustache templates.
///
/// Values: `brand` (the product name), `username`, `link` and `expires_in` (verification and reset messages),
/// `new_email` (address changes). Subjects and text bodies are rendered as text, HTML bodies with HTML
/// escaping.
enum BuiltInMailTemplates {
    static let textPragma = "{{% CONTENT_TYPE: TEXT}}"

    /// Template name → template text; names are `<kind>.subject`, `<kind>.text`, `<kind>.html`.
    static let all: [String: String] = [
        "verify_email.subject": "Confirm your e-mail address for {{brand}}",
        "verify_email.text": """
        Hello {{username}},

        Please confirm that this is your e-mail address by opening this link:

        {{link}}

        The link works once and expires in {{expires_in}}. If you did not create an account with {{brand}}, you can ignore this message.
        """,
        "verify_email.html": html(
            title: "Confirm your e-mail address",
            body: """
                <p>Hello {{username}},</p>
                <p>Please confirm that this is your e-mail address.</p>
                <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:#2f5fd0;color:#ffffff;text-decoration:none;border-radius:6px">Confirm my address</a></p>
                <p style="color:#555">The link works once and expires in {{expires_in}}. If you did not create an account with {{brand}}, you can ignore this message.</p>
                """
        ),
        "reset_password.subject": "Reset your {{brand}} password",
        "reset_password.text": """
        Hello {{username}},

        Someone (hopefully you) asked to reset the password of your account. To choose a new password, open this link:

        {{link}}

        The link works once and expires in {{expires_in}}. If you did not ask for it, ignore this message: your password stays as it is.
        """,
        "reset_password.html": html(
            title: "Reset your password",
            body: """
                <p>Hello {{username}},</p>
                <p>Someone (hopefully you) asked to reset the password of your account.</p>
                <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:#2f5fd0;color:#ffffff;text-decoration:none;border-radius:6px">Choose a new password</a></p>
                <p style="color:#555">The link works once and expires in {{expires_in}}. If you did not ask for it, ignore this message: your password stays as it is.</p>
                """
        ),
        "confirm_email_change.subject": "Confirm your new e-mail address for {{brand}}",
        "confirm_email_change.text": """
        Hello {{username}},

        To make {{new_email}} the e-mail address of your account, open this link:

        {{link}}

        The link works once and expires in {{expires_in}}. If you did not ask for this change, ignore this message.
        """,
        "confirm_email_change.html": html(
            title: "Confirm your new e-mail address",
            body: """
                <p>Hello {{username}},</p>
                <p>To make <strong>{{new_email}}</strong> the e-mail address of your account, confirm it:</p>
                <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:#2f5fd0;color:#ffffff;text-decoration:none;border-radius:6px">Confirm the new address</a></p>
                <p style="color:#555">The link works once and expires in {{expires_in}}. If you did not ask for this change, ignore this message.</p>
                """
        ),
        "email_change_requested.subject": "Your {{brand}} e-mail address is being changed",
        "email_change_requested.text": """
        Hello {{username}},

        Someone signed in to your account asked to change its e-mail address to {{new_email}}. The change happens once the new address is confirmed.

        If this was not you, change your password now and sign out of your other sessions.
        """,
        "email_change_requested.html": html(
            title: "Your e-mail address is being changed",
            body: """
                <p>Hello {{username}},</p>
                <p>Someone signed in to your account asked to change its e-mail address to <strong>{{new_email}}</strong>. The change happens once the new address is confirmed.</p>
                <p>If this was not you, change your password now and sign out of your other sessions.</p>
                """
        ),
    ]

    private static func html(title: String, body: String) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>\(title)</title></head>
        <body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;line-height:1.5;color:#1d1d1f;max-width:560px;margin:0 auto;padding:24px">
        <h1 style="font-size:20px">{{brand}}</h1>
        \(body)
        </body></html>
        """
    }
}
