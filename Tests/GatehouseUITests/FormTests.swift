import Gatehouse
import HTTPTypes
import Testing

@testable import GatehouseUI

@Suite("Reading a posted form")
struct FormBodyTests {
    @Test(
        "URL-encoded fields are decoded as a browser encoded them",
        arguments: [
            ("username=alice&password=correct+horse", ["username": "alice", "password": "correct horse"]),
            ("email=alice%40example.com", ["email": "alice@example.com"]),
            ("note=%2B1+%26+2+%3D+3%25", ["note": "+1 & 2 = 3%"]),
            ("a+b=c%20d", ["a b": "c d"]),
            ("%E2%9C%93=%F0%9F%94%91", ["\u{2713}": "\u{1F511}"]),
            ("name=first&name=second", ["name": "first"]),
            ("token=abc=def", ["token": "abc=def"]),
            ("flag&empty=", ["flag": "", "empty": ""]),
            ("&&a=1&&b=2&", ["a": "1", "b": "2"]),
            ("", [:]),
        ] as [(String, [String: String])]
    )
    func parses(text: String, expected: [String: String]) {
        #expect(FormBody.parse(text) == expected)
    }

    @Test(
        "a broken escape, or one that is not UTF-8, refuses the whole form",
        arguments: ["a=%zz", "a=%E", "a=%", "a=1&b=%C3%28", "%FF=1", "ok=1&bad=100%"]
    )
    func refuses(text: String) {
        #expect(FormBody.parse(text) == nil)
    }

    @Test("a field the form did not send reads as empty")
    func missingField() throws {
        let form = FormBody(fields: try #require(FormBody.parse("username=alice&password=")))
        #expect(form["username"] == "alice")
        #expect(form["password"] == "")
        #expect(form.contains("password"))
        #expect(form["email"] == "")
        #expect(!form.contains("email"))
    }
}

@Suite("The CSRF token of the forms")
struct FormCSRFTests {
    static let secret = FormCSRF.newSecret()
    static let otherSecret = FormCSRF.newSecret()

    @Test("a secret is 32 random bytes in base64url")
    func newSecret() {
        let secrets = (0..<20).map { _ in FormCSRF.newSecret() }
        #expect(Set(secrets).count == secrets.count)
        for secret in secrets {
            #expect(secret.utf8.count == 43)
            #expect(secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
    }

    @Test("the token depends on the secret and on the session")
    func tokensDiffer() {
        let anonymous = FormCSRF.token(secret: Self.secret, sessionID: nil)
        let signedIn = FormCSRF.token(secret: Self.secret, sessionID: "session-1")
        let tokens = [
            anonymous, signedIn, FormCSRF.token(secret: Self.secret, sessionID: "session-2"),
            FormCSRF.token(secret: Self.otherSecret, sessionID: nil), FormCSRF.token(secret: Self.otherSecret, sessionID: "session-1"),
        ]
        #expect(Set(tokens).count == tokens.count)
        #expect(FormCSRF.token(secret: Self.secret, sessionID: "session-1") == signedIn, "the same inputs give the same token")
        #expect(!signedIn.contains(Self.secret) && !signedIn.contains("session-1"))
    }

    @Test("only the token for this secret and this session is valid")
    func validation() {
        let token = FormCSRF.token(secret: Self.secret, sessionID: "session-1")
        #expect(FormCSRF.isValid(token, secret: Self.secret, sessionID: "session-1"))
        #expect(!FormCSRF.isValid(token, secret: Self.secret, sessionID: "session-2"), "another session")
        #expect(!FormCSRF.isValid(token, secret: Self.secret, sessionID: nil), "signed out")
        #expect(!FormCSRF.isValid(token, secret: Self.otherSecret, sessionID: "session-1"), "another browser")
        #expect(!FormCSRF.isValid(token, secret: nil, sessionID: "session-1"), "a browser without the cookie")
        #expect(!FormCSRF.isValid("", secret: Self.secret, sessionID: "session-1"), "no token")
        #expect(!FormCSRF.isValid(String(token.dropLast()), secret: Self.secret, sessionID: "session-1"), "shorter")
        #expect(!FormCSRF.isValid(token + "A", secret: Self.secret, sessionID: "session-1"), "longer")
        let flipped = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        #expect(!FormCSRF.isValid(flipped, secret: Self.secret, sessionID: "session-1"), "one character changed")
        let anonymous = FormCSRF.token(secret: Self.secret, sessionID: nil)
        #expect(FormCSRF.isValid(anonymous, secret: Self.secret, sessionID: nil))
        #expect(!FormCSRF.isValid(anonymous, secret: Self.secret, sessionID: "session-1"), "a token shown before login")
    }

    @Test("the secret is read only from a well-formed cookie")
    func secretInCookie() throws {
        let csrf = FormCSRF(secure: false)
        func secret(_ cookies: String...) -> String? {
            var headers = HTTPFields()
            for cookie in cookies { headers.append(HTTPField(name: .cookie, value: cookie)) }
            return csrf.secret(in: headers)
        }
        #expect(secret("gatehouse_ui_csrf=\(Self.secret)") == Self.secret)
        #expect(secret("theme=dark; gatehouse_ui_csrf=\(Self.secret); lang=en") == Self.secret)
        #expect(secret("theme=dark", "gatehouse_ui_csrf=\(Self.secret)") == Self.secret)
        #expect(secret() == nil)
        #expect(secret("gatehouse_ui_csrf=") == nil)
        #expect(secret("gatehouse_ui_csrf=short") == nil)
        #expect(secret("gatehouse_ui_csrf=\(Self.secret)A") == nil, "44 characters")
        #expect(secret("gatehouse_ui_csrf=\(String(Self.secret.dropLast()))+") == nil, "not base64url")
        #expect(secret("other_gatehouse_ui_csrf=\(Self.secret)") == nil, "another cookie's name")
    }

    @Test("the cookie is HttpOnly, SameSite=Strict, and Secure with the __Host- prefix unless told otherwise")
    func cookieSetting() {
        #expect(FormCSRF(secure: true).setting("S") == "__Host-gatehouse_ui_csrf=S; Path=/; HttpOnly; Secure; SameSite=Strict")
        #expect(FormCSRF(secure: false).setting("S") == "gatehouse_ui_csrf=S; Path=/; HttpOnly; SameSite=Strict")
    }
}

/// One row of the error-to-page table.
struct ProblemCase: Sendable, CustomTestStringConvertible {
    let error: AccountError
    var passwordField = "password"
    let field: String?
    let status: HTTPResponse.Status
    let message: String

    var testDescription: String { "\(error.code.rawValue)\(error.detail.map { "(\($0))" } ?? "")" }
}

@Suite("What a refused form tells the person")
struct PageProblemTests {
    @Test(
        "an error becomes words next to the field it concerns, or about the whole form",
        arguments: [
            ProblemCase(error: .weakPassword(.passwordTooShort), field: "password", status: .badRequest, message: "Use at least 8 characters."),
            ProblemCase(
                error: .weakPassword(.commonPassword),
                passwordField: "new_password",
                field: "new_password",
                status: .badRequest,
                message: "This password is one that many people use. Choose another one."
            ),
            ProblemCase(
                error: .invalidRequest(.password),
                passwordField: "new_password",
                field: "new_password",
                status: .badRequest,
                message: "Use 8 to 200 characters."
            ),
            ProblemCase(
                error: .invalidRequest(.username),
                field: "username",
                status: .badRequest,
                message: "Use 3 to 16 letters, digits or underscores."
            ),
            ProblemCase(
                error: .invalidRequest(.email),
                field: "email",
                status: .badRequest,
                message: "Enter an e-mail address, such as name@example.com."
            ),
            ProblemCase(
                error: .conflict(.usernameTaken),
                field: "username",
                status: .conflict,
                message: "This username is taken. Try another one."
            ),
            ProblemCase(
                error: .conflict(.contactTaken),
                field: "email",
                status: .conflict,
                message: "This e-mail address already has an account."
            ),
            ProblemCase(error: .loginFailed, field: nil, status: .unauthorized, message: "The username or password is not right."),
            ProblemCase(
                error: .tooManyAttempts(retryAfter: 30),
                field: nil,
                status: .tooManyRequests,
                message: "Too many attempts. Wait a few minutes, then try again."
            ),
            ProblemCase(
                error: .emailNotVerified,
                field: nil,
                status: .forbidden,
                message: "Confirm your e-mail address first: open the link in the message we sent you."
            ),
            ProblemCase(error: .userDeactivated, field: nil, status: .forbidden, message: "This account has been deactivated."),
            ProblemCase(error: .invalidToken, field: nil, status: .badRequest, message: "This link has expired or was already used."),
            ProblemCase(
                error: .invalidRequest(.oneTimeToken),
                field: nil,
                status: .badRequest,
                message: "This link has expired or was already used."
            ),
            ProblemCase(
                error: .storeUnavailable(.busy),
                field: nil,
                status: .serviceUnavailable,
                message: "We cannot reach our database right now. Try again in a moment."
            ),
            ProblemCase(
                error: .invalidRequest(.body),
                field: nil,
                status: .badRequest,
                message: "Something in the form is not right. Check it and try again."
            ),
            ProblemCase(
                error: .invalidConfiguration(.routesWithoutMiddleware),
                field: nil,
                status: .internalServerError,
                message: "Something went wrong on our side. Try again in a moment."
            ),
            ProblemCase(
                error: .sessionNotFound,
                field: nil,
                status: .internalServerError,
                message: "Something went wrong on our side. Try again in a moment."
            ),
        ]
    )
    func mapping(_ row: ProblemCase) {
        let problem = PageProblem(row.error, passwordField: row.passwordField)
        #expect(problem == PageProblem(field: row.field, message: row.message, status: row.status))
        #expect(!problem.message.contains(row.error.code.rawValue), "no error code in what a person reads")
        #expect(!problem.message.contains("_"))
        if let detail = row.error.detail { #expect(!problem.message.contains(detail.rawValue)) }
    }

    @Test(
        "a bare HTTP status becomes a sentence",
        arguments: [
            (429, "Too many attempts. Wait a few minutes, then try again."),
            (503, "We cannot reach our database right now. Try again in a moment."),
            (404, "This request could not be handled. Go back and try again."),
            (413, "This request could not be handled. Go back and try again."),
            (500, "Something went wrong on our side. Try again in a moment."),
            (502, "Something went wrong on our side. Try again in a moment."),
        ]
    )
    func status(code: Int, message: String) {
        let problem = PageProblem(status: HTTPResponse.Status(code: code))
        #expect(problem.field == nil)
        #expect(problem.message == message)
        #expect(problem.status.code == code)
    }
}
