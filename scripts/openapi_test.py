#!/usr/bin/env python3
"""The HTTP contract of `gatehouse serve` (openapi.json at the repository root) checked against the real
server with schemathesis. Real sockets, one real `gatehouse serve` on a fresh SQLite file in a temporary
folder, mail written to files there.

Covered, each a named check:
 1. openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator), written with 2-space
    indentation;
 2. the server answers GET /openapi.json with exactly that file, as application/json;
 3. unknown fields of a JSON body are ignored, as the document's `additionalProperties: true` says: a
    sign-up that also sends accountId and emailVerified is created, unverified, with an id of its own;
 4. schemathesis, on the document the server answered, runs every operation through its examples,
    coverage and fuzzing phases (positive and negative data, a fixed seed) with the checks
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance
    and response_schema_conformance, and finds nothing;
 5. every operation of the document was called, those that need a session, a password or a real id
    succeeded at least once, and the login, sign-up and logout forms were accepted at least once, so the
    run did not merely collect refusals;
 6. the identity-provider operations, on this server with no `--oidc` provider: those that need one never
    succeeded and answered their documented 404 with its code (ProviderNotFound; IdentityNotFound for an
    unlink, as the account has no identity) in the run, and a well-formed call of each, made directly,
    answers it too (the callback clearing the `gatehouse_oidc` cookie); GET /v1/identities is an empty list;
 7. the session the /v1 operations used is still valid at the end, and the server is still running.

How the run authenticates (schemathesis hooks, in this file): the /v1 operations send `Authorization:
Bearer` with one account's token (the server runs with `--renewal 1h` and `--grace-period 10m`, so that
token stays valid for the whole run, POST /v1/refresh included); POST /v1/logout, DELETE /v1/sessions,
DELETE /v1/sessions/{id} and DELETE /v1/accounts/me, which may end the session they are called with,
each run in an account of their own, logged in again whenever the last session may have ended and
created again once deleted; the GET pages under /ui send a third account's session cookie. Forms under
/ui are posted without a session, with the browser's form-secret cookie and, for three forms in four,
the `csrf_token` made from it (the fourth keeps the generated one and must be refused). One case in
four of the password checks, logins and single-session deletions gets the right password or id. Login
and message limits are raised so that throttling does not dominate; 429 stays documented.

Knobs (environment): GATEHOUSE_OPENAPI_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built
when missing), GATEHOUSE_OPENAPI_EXAMPLES (schemathesis --max-examples, 8), GATEHOUSE_OPENAPI_SEED
(schemathesis --seed, 20261201), GATEHOUSE_OPENAPI_KEEP (set: keep the work folder with the server log).

Needs the pip packages schemathesis and openapi-spec-validator. Loopback only; every wait is bounded;
only the processes this script started are stopped, by their id.
"""
import base64
import collections
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENT = os.path.join(ROOT, "openapi.json")
USER_AGENT = "gatehouse-openapi-test"
SESSION_COOKIE = "__Host-gatehouse"
FORM_SECRET_COOKIE = "__Host-gatehouse_ui_csrf"
# The operations that may end the session they are called with.
SESSION_ENDING = ["POST /v1/logout", "DELETE /v1/sessions", "DELETE /v1/sessions/{id}", "DELETE /v1/accounts/me"]
# Operations that must succeed at least once (a 2xx): every one whose success the hooks make possible.
MUST_SUCCEED = [
    "POST /v1/accounts", "POST /v1/login", "GET /v1/me", "POST /v1/refresh", "GET /v1/sessions", "POST /v1/token",
    "POST /v1/verification", "POST /v1/password", "POST /v1/email", "POST /v1/logout", "DELETE /v1/sessions",
    "DELETE /v1/sessions/{id}", "DELETE /v1/accounts/me", "GET /ui/account", "GET /ui/sessions", "GET /v1/identities",
]
# Operations refused on a server without identity providers, as the run's is, with the 404 code they answer:
# they must never succeed, and must answer that code at least once.
REFUSED_WITHOUT_PROVIDERS = {
    "GET /v1/oidc/{provider}/start": "ProviderNotFound",
    "GET /v1/oidc/{provider}/callback": "ProviderNotFound",
    "POST /v1/oidc/{provider}/callback": "ProviderNotFound",
    "POST /v1/oidc/{provider}/token": "ProviderNotFound",
    "POST /v1/identities/{id}": "ProviderNotFound",
    "DELETE /v1/identities/{id}": "IdentityNotFound",
}
# Page forms that must be accepted at least once (a redirect onwards), their form token and all.
MUST_REDIRECT = ["POST /ui/login", "POST /ui/signup", "POST /ui/logout"]
SCHEMATHESIS_LIMIT = 600
# The stand-in token of the operations in SESSION_ENDING until their call is made.
OWN_SESSION = "own-session"
# Refusals after which an operation's own session may be over.
SESSION_GONE = {"InvalidSession", "SessionExpired", "TokenTheftDetected", "UserNotFound"}

# Settings the hooks read in the schemathesis process.
ENV_PORT = "GATEHOUSE_OPENAPI_PORT"
ENV_PASSWORD = "GATEHOUSE_OPENAPI_PASSWORD"  # every account of the run starts with it
ENV_TOKEN = "GATEHOUSE_OPENAPI_TOKEN"        # the session of the /v1 operations
ENV_PAGES = "GATEHOUSE_OPENAPI_PAGES"        # username:token of the session the GET pages run in
ENV_CALLS = "GATEHOUSE_OPENAPI_CALLS"        # where every call's method, path template and status go


# MARK: - What the run and its hooks share

def sign_up(port, username, password):
    from testkit import json_request
    status, _, raw = json_request(port, "POST", "/v1/accounts", {
        "username": username, "email": f"{username}@example.com", "password": password}, user_agent=USER_AGENT)
    if status != 201:
        raise RuntimeError(f"sign-up of {username} failed: {status} {raw[:200]!r}")


def login(port, username, password):
    """(token, session id) of a fresh session of `username`, bound to the run's user agent."""
    from testkit import json_request
    status, _, raw = json_request(port, "POST", "/v1/login", {"username": username, "password": password},
                                  user_agent=USER_AGENT)
    if status != 200:
        raise RuntimeError(f"login of {username} failed: {status} {raw[:200]!r}")
    reply = json.loads(raw)
    return reply["authToken"], reply["session"]["id"]


def form_token(secret, session_id=None):
    """The `csrf_token` the pages put in a form for a browser holding `secret` (see FormCSRF)."""
    mac = hmac.new(secret.encode(), f"gatehouse-ui-form|{session_id or ''}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def error_code(response):
    """The `error.code` of a JSON error answer, else None."""
    try:
        return json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


class CallCounter:
    """Counts the calls of each operation: with one worker and a fixed seed, the same call has the same
    number on every run. Generated values repeat too often to pick calls by."""

    def __init__(self):
        self.counts = collections.Counter()
        self.lock = threading.Lock()

    def __call__(self, label):
        with self.lock:
            self.counts[label] += 1
            return self.counts[label]


class OwnAccounts:
    """An account of its own for each operation that ends sessions or deletes its account, so that such a
    call never ends the session another operation runs in; a new session whenever the last one may have
    ended, and a new account once one is deleted."""

    def __init__(self, port, password):
        self.port = port
        self.password = password
        self.accounts = {}   # operation label -> {"username", "token", "session"}
        self.lock = threading.Lock()

    def session(self, label):
        with self.lock:
            account = self.accounts.get(label)
            if account is None:
                account = {"username": f"own_{secrets.token_hex(4)}", "token": None, "session": None}
                sign_up(self.port, account["username"], self.password)
                self.accounts[label] = account
            if account["token"] is None:
                account["token"], account["session"] = login(self.port, account["username"], self.password)
            return dict(account)

    def ended(self, label, account_deleted=False):
        with self.lock:
            if account_deleted:
                self.accounts.pop(label, None)
            elif label in self.accounts:
                self.accounts[label]["token"] = None


def install_hooks():
    """Registers the authentication providers and hooks; run when schemathesis imports this file."""
    import schemathesis

    port = int(os.environ[ENV_PORT])
    password = {"main": os.environ[ENV_PASSWORD]}
    pages_user, pages_token = os.environ[ENV_PAGES].split(":", 1)
    calls_path = os.environ[ENV_CALLS]
    calls_lock = threading.Lock()
    form_secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    own = OwnAccounts(port, os.environ[ENV_PASSWORD])
    count = CallCounter()

    # Providers are asked in the order they were registered; the first that applies wins. Cases are
    # generated in batches before they are sent, so an operation that may end its session gets a
    # stand-in here, and `before_call` puts in the session that is current when the call is made.
    @schemathesis.auth(refresh_interval=3600).apply_to(name=SESSION_ENDING)
    class OwnSession:
        def get(self, case, context):
            return OWN_SESSION

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    @schemathesis.auth(refresh_interval=3600).apply_to(path_regex="^/v1/")
    class MainSession:
        def get(self, case, context):
            return os.environ[ENV_TOKEN]

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    @schemathesis.auth(refresh_interval=3600).apply_to(method="GET", path_regex="^/ui")
    class PageSession:
        def get(self, case, context):
            return pages_token

        def set(self, case, data, context):
            case.cookies = case.cookies or {}
            case.cookies[SESSION_COOKIE] = data

    # Random passwords and ids are refused before anything happens: one call in four of an operation
    # gets the right one, so that the answers of a password change, an address change, a deletion, a
    # login and an ended session are checked too. Another one in four keeps the generated form token.
    @schemathesis.hook
    def before_call(context, case, kwargs):
        label = case.operation.label
        body = case.body if isinstance(case.body, dict) else None
        number = count(label)
        session = None
        if (case.headers or {}).get("Authorization") == f"Bearer {OWN_SESSION}":
            session = own.session(label)
            case.headers["Authorization"] = f"Bearer {session['token']}"
        if label.startswith("POST /ui/"):
            case.cookies = case.cookies or {}
            case.cookies[FORM_SECRET_COOKIE] = form_secret
            # Forms are posted without a session: a valid token is the one made for no session.
            if body is not None and number % 4 != 0:
                body["csrf_token"] = form_token(form_secret)
        if number % 4 != 2:
            return
        if body is not None and label == "POST /v1/password":
            body["currentPassword"] = password["main"]
        elif body is not None and label == "POST /v1/email":
            body["password"] = password["main"]
        elif body is not None and label == "DELETE /v1/accounts/me":
            body["password"] = own.password
        elif body is not None and label in ("POST /v1/login", "POST /ui/login"):
            body["username"], body["password"] = pages_user, own.password
        elif label == "DELETE /v1/sessions/{id}" and session is not None:
            case.path_parameters["id"] = session["session"]

    @schemathesis.hook
    def after_call(context, case, response):
        label = case.operation.label
        status = response.status_code
        with calls_lock, open(calls_path, "a") as calls:
            # The method sent: the coverage phase also tries methods an operation does not have. The error
            # code too ("-" for none), for the operations whose refusals are checked.
            calls.write(f"{case.method.upper()} {case.path} {status} {error_code(response) or '-'}\n")
        if label in SESSION_ENDING and case.method.upper() == label.split()[0] and (
            200 <= status < 300 or error_code(response) in SESSION_GONE
        ):
            own.ended(label, account_deleted=label == "DELETE /v1/accounts/me" and 200 <= status < 300)
        if label == "POST /v1/password" and status == 200:
            password["main"] = case.body["newPassword"]


if __name__ != "__main__" and os.environ.get(ENV_PORT):
    install_hooks()


# MARK: - The run

def start_server(binary, workdir):
    """`gatehouse serve` on a free loopback port: (process, port, log path)."""
    from testkit import free_port, json_request, server_environment, wait_for
    port = free_port()
    arguments = [
        binary, "serve", "--port", str(port), "--database", os.path.join(workdir, "gatehouse.sqlite"),
        "--mail-url", "file://" + os.path.join(workdir, "mail"),
        # One token for the whole run: no renewal within the hour, and a token that POST /v1/refresh
        # superseded stays accepted for longer than the run lasts.
        "--renewal", "1h", "--grace-period", "10m",
        "--signup-limit", "100000/1h", "--login-limit", "100000/15m", "--login-address-limit", "100000/15m",
        "--login-account-limit", "100000/15m", "--message-email-limit", "100000/1h",
        "--message-address-limit", "100000/1h",
    ]
    log_path = os.path.join(workdir, "server.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(arguments, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=server_environment())

    def healthy():
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log_path}")
        try:
            return json_request(port, "GET", "/health", timeout=5)[0] == 200
        except OSError:
            return False

    if not wait_for(healthy, 60):
        raise RuntimeError("the server did not answer /health within 60 s")
    return process, port, log_path


def stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def check_document(document):
    """1: the document is OpenAPI 3.1; its operations as `METHOD /path`."""
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from testkit import check, note
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    check("openapi.json is a valid OpenAPI 3.1 document", document.get("openapi", "").startswith("3.1.") and not errors,
          errors[:3])
    with open(DOCUMENT, encoding="utf-8") as f:
        text = f.read()
    check("openapi.json is written with 2-space indentation, keys in the order they are in",
          text == json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    methods = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    operations = sorted(f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
                        if method in methods)
    note(f"{len(operations)} operations on {len(document['paths'])} paths")
    return operations


def check_served(port, document_bytes, served_path):
    """2: GET /openapi.json is the file. schemathesis leaves out the operation that serves the document
    it loaded from a URL, so the run loads the answer saved to `served_path`, where it is one more
    operation."""
    from testkit import check, json_request
    status, headers, raw = json_request(port, "GET", "/openapi.json")
    content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
    check("GET /openapi.json answers openapi.json byte for byte, as application/json",
          status == 200 and raw == document_bytes and content_type.split(";")[0].strip() == "application/json",
          f"{status} {content_type} {len(raw)} bytes")
    with open(served_path, "wb") as f:
        f.write(raw)


def check_unknown_fields(port, password):
    """3: an unknown field is ignored, not refused and not stored."""
    from testkit import check, json_request
    username = f"extra_{secrets.token_hex(3)}"
    status, _, raw = json_request(port, "POST", "/v1/accounts", {
        "username": username, "email": f"{username}@example.com", "password": password,
        "accountId": "chosen-by-the-client", "emailVerified": True, "permissions": ["admin"]}, user_agent=USER_AGENT)
    account = json.loads(raw).get("account", {}) if status == 201 else {}
    check("a JSON body's unknown fields are ignored (a sign-up with accountId and emailVerified is created as usual)",
          status == 201 and account.get("accountId") != "chosen-by-the-client" and account.get("emailVerified") is False,
          f"{status} {raw[:200]!r}")


def run_schemathesis(port, served_path, workdir, examples, seed, password, token, pages):
    """4: schemathesis over every operation; the calls it made, by operation and status, and the error
    codes it was answered, by operation and (status, code)."""
    from testkit import check, note
    calls_path = os.path.join(workdir, "calls.txt")
    executable = shutil.which("schemathesis")
    command = [executable] if executable else [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]
    command += [
        "run", served_path, "--url", f"http://127.0.0.1:{port}",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                    "response_headers_conformance,response_schema_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", examples,
        "--seed", seed,
        # One worker: Python 3.11 can fail parsing source in two threads at once (Hypothesis does, to
        # describe its strategies), and with one the calls come in the same order on every run.
        "--workers", "1",
        "--header", f"User-Agent: {USER_AGENT}",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-color",
    ]
    note("schemathesis " + " ".join(command[command.index("run"):]))
    scripts = os.path.dirname(os.path.abspath(__file__))
    environment = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [scripts, os.environ.get("PYTHONPATH")])),
        SCHEMATHESIS_HOOKS="openapi_test",
        **{ENV_PORT: str(port), ENV_PASSWORD: password, ENV_TOKEN: token, ENV_PAGES: pages, ENV_CALLS: calls_path},
    )
    started = time.monotonic()
    # The working folder takes the .hypothesis and .schemathesis folders schemathesis leaves behind.
    result = subprocess.run(command, cwd=workdir, env=environment, stdin=subprocess.DEVNULL, timeout=SCHEMATHESIS_LIMIT)
    note(f"schemathesis ran {time.monotonic() - started:.0f} s")
    check("schemathesis finds no failure on any operation", result.returncode == 0, f"exit code {result.returncode}")
    calls = collections.defaultdict(collections.Counter)
    codes = collections.defaultdict(collections.Counter)
    if os.path.exists(calls_path):
        with open(calls_path) as f:
            for line in f:
                method, path, status, code = line.split()
                calls[f"{method} {path}"][int(status)] += 1
                codes[f"{method} {path}"][(int(status), code)] += 1
    return calls, codes


def check_calls(calls, operations):
    """5: every operation called; the ones the hooks let succeed did."""
    from testkit import check, note
    note(f"{sum(sum(statuses.values()) for statuses in calls.values())} calls:")
    for route in operations:
        note(f"  {route}: " + ", ".join(f"{status} x{count}" for status, count in sorted(calls.get(route, {}).items())))
    uncalled = [route for route in operations if route not in calls]
    check("every operation of the document was called", not uncalled, uncalled)
    unanswered = [route for route in MUST_SUCCEED if not any(200 <= status < 300 for status in calls.get(route, {}))]
    check("every operation that can succeed in the run succeeded at least once", not unanswered, unanswered)
    unaccepted = [route for route in MUST_REDIRECT if 303 not in calls.get(route, {})]
    check("page forms with their form token are accepted", not unaccepted, unaccepted)


def check_refused_without_providers(calls, codes):
    """6, in the run: with no provider configured, the operations that need one (and the unlink of an
    identity the account does not have) never succeed, and answer their documented 404 and code."""
    from testkit import check
    succeeded = [route for route in REFUSED_WITHOUT_PROVIDERS if any(status < 400 for status in calls.get(route, {}))]
    check("without providers, the identity-provider operations never succeed", not succeeded, succeeded)
    unanswered = [f"{route} ({code})" for route, code in REFUSED_WITHOUT_PROVIDERS.items()
                  if (404, code) not in codes.get(route, {})]
    check("without providers, they answer 404 ProviderNotFound (IdentityNotFound for an unlink)", not unanswered, unanswered)


def check_without_providers(port, token):
    """6, directly: a well-formed call of each identity-provider operation on a server with no provider."""
    import http.client
    from testkit import check
    form = "code=c.0a1b2c3d&state=q3Jx0cW2t9bY"
    id_token = json.dumps({"idToken": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "nonce": "n-0S6_WzA2Mj"})
    calls = [
        ("GET", "/v1/oidc/google/start?return_to=%2Faccount", None, None, 404, "ProviderNotFound"),
        ("GET", "/v1/oidc/google/callback?" + form, None, None, 404, "ProviderNotFound"),
        ("POST", "/v1/oidc/apple/callback", form, "application/x-www-form-urlencoded", 404, "ProviderNotFound"),
        ("POST", "/v1/oidc/google/token", id_token, "application/json", 404, "ProviderNotFound"),
        ("POST", "/v1/identities/google", id_token, "application/json", 404, "ProviderNotFound"),
        ("POST", "/v1/identities/google?return_to=%2Faccount", None, None, 404, "ProviderNotFound"),
        ("DELETE", "/v1/identities/01M8QXK3Y0F8E6ZP2V9S7G4C1B", None, None, 404, "IdentityNotFound"),
        ("GET", "/v1/identities", None, None, 200, None),
    ]
    wrong = []
    for method, path, body, content_type, expected_status, expected_code in calls:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"User-Agent": USER_AGENT, "Connection": "close", "Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body.encode() if body else None, headers=headers)
            response = connection.getresponse()
            status, raw = response.status, response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
        finally:
            connection.close()
        try:
            reply = json.loads(raw)
        except ValueError:
            reply = None
        if expected_code is None:
            ok = status == expected_status and reply == {"identities": []}
        else:
            ok = status == expected_status and isinstance(reply, dict) and reply.get("error", {}).get("code") == expected_code
        if "/callback" in path:
            # Every answer of the callback clears the login's cookie.
            ok = ok and any(c.startswith("gatehouse_oidc=;") and "Max-Age=0" in c for c in cookies)
        if not ok:
            wrong.append(f"{method} {path}: {status} {raw[:120]!r} {cookies}")
    check("without providers, each identity-provider operation answers as documented "
          "(404 ProviderNotFound, IdentityNotFound; the callback clears gatehouse_oidc; no identities)", not wrong, wrong)


def main():
    from testkit import FAILED, PASSED, check
    try:
        import openapi_spec_validator  # noqa: F401
        import schemathesis  # noqa: F401
    except ImportError:
        raise SystemExit("openapi test: needs schemathesis and openapi-spec-validator: "
                         "python3 -m pip install schemathesis openapi-spec-validator")
    binary = os.path.abspath(os.environ.get("GATEHOUSE_OPENAPI_BINARY") or os.path.join(ROOT, ".build", "debug", "gatehouse"))
    examples = os.environ.get("GATEHOUSE_OPENAPI_EXAMPLES", "8")
    seed = os.environ.get("GATEHOUSE_OPENAPI_SEED", "20261201")
    keep = bool(os.environ.get("GATEHOUSE_OPENAPI_KEEP"))
    workdir = tempfile.mkdtemp(prefix="gatehouse-openapi.")
    # A SIGTERM (a CI timeout) still stops the server in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    process, log_path = None, None
    try:
        if not os.environ.get("GATEHOUSE_OPENAPI_BINARY") and not os.path.exists(binary):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is not an executable")
        print(f"openapi test: {binary}; files in {workdir}")
        with open(DOCUMENT, "rb") as f:
            document_bytes = f.read()
        operations = check_document(json.loads(document_bytes))
        process, port, log_path = start_server(binary, workdir)
        served_path = os.path.join(workdir, "openapi.json")
        check_served(port, document_bytes, served_path)

        password = "openapi " + secrets.token_urlsafe(12)
        check_unknown_fields(port, password)
        main_user, pages_user = f"contract_{secrets.token_hex(3)}", f"pages_{secrets.token_hex(3)}"
        for username in (main_user, pages_user):
            sign_up(port, username, password)
        token, _ = login(port, main_user, password)
        page_token, _ = login(port, pages_user, password)

        calls, codes = run_schemathesis(port, served_path, workdir, examples, seed, password, token, f"{pages_user}:{page_token}")
        check_calls(calls, operations)
        check_refused_without_providers(calls, codes)
        check_without_providers(port, token)

        from testkit import json_request
        status, _, raw = json_request(port, "GET", "/v1/me", token=token, user_agent=USER_AGENT)
        check("the session of the /v1 operations still works at the end", status == 200, f"{status} {raw[:200]!r}")
        check("the server is still running", process.poll() is None, f"exit code {process.poll()}")
    except Exception as error:   # noqa: BLE001 — reported as a failure
        check("the run reached its end", False, f"{type(error).__name__}: {error}")
    finally:
        if process is not None:
            stop(process)
        if FAILED and log_path and os.path.exists(log_path):
            with open(log_path, "rb") as f:
                tail = f.read().decode(errors="replace").splitlines()[-20:]
            print("--- the last lines of the server's log:\n" + "\n".join(tail))
        if keep or FAILED:
            print(f"       files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"       {time.monotonic() - began:.0f} s in all")
    print(f"openapi: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
