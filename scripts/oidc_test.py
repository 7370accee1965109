#!/usr/bin/env python3
"""OpenID Connect login of `gatehouse serve` end to end: a real server on a fresh SQLite file, logging people
in through real OpenID Connect providers this script starts on loopback (scripts/oidc_provider.py: the
authorization code flow with PKCE, ID tokens signed with PyJWT and cryptography), one plain (`test`,
client_secret_post) and one in Apple mode (`apple`: an ES256 client secret, form_post).

Covered, each a named check (statuses, error codes and details as /tmp/oidc/contract.md words them; every
refusal also checked to write nothing: no new account in `gatehouse accounts list --json`, no session
cookie, no token):
 1. browser flow: GET /v1/oidc/test/start?return_to=/somewhere is 303 to the provider's
    authorization endpoint with response_type=code, client_id, redirect_uri ({external URL}/v1/oidc/test/
    callback), scope, state, nonce, code_challenge and code_challenge_method=S256, and sets gatehouse_oidc
    (HttpOnly, SameSite=Lax, Path=/v1/oidc/, Max-Age=600); the provider's redirect to the callback, with
    the cookie, is 303 to /somewhere with a session cookie and the gatehouse_oidc cookie cleared; the
    provider got client_secret_post and a code_verifier whose S256 is the challenge; GET /v1/me shows a
    new account with the provider's verified e-mail and a username from preferred_username; a second
    login is the same account; GET /v1/identities lists the identity; GET /v1/activity has
    account.created and login.succeeded (method oidc, provider test); return_to on the server's own
    origin and no return_to at all;
 2. browser refusals: a changed state, a changed cookie, no cookie, another provider's cookie (401
    IdentityVerificationFailed state); a replayed callback (401 code, the provider saw the replay); an
    expired authorization code (401 code);
    the provider's error=access_denied (401 provider_error); an ID token with another nonce (nonce),
    audience (token_audience), issuer (token_issuer), authorized party (authorized_party), expired
    (token_expired), signed by an unpublished key under a published kid (token_signature), under an
    unknown kid (unknown_key; three in a row make the server fetch the JWKS at most once), no JWT at all
    (token_malformed); after the provider rotates its key (the JWKS lists only the new one, REFETCH_FLOOR
    seconds after the server last fetched it) a login works and the server fetched the JWKS again; an unverified
    e-mail for a new identity (403 EmailNotVerified provider_email); a verified e-mail of an existing
    password account (409 IdentityNotLinked); an unknown provider (404 ProviderNotFound); return_to
    //evil.example and https://evil.example (400 InvalidRequest return_to);
 3. native endpoint POST /v1/oidc/test/token {idToken, nonce}: 200 like /v1/login (bearer: the token in
    the body and no cookie; cookie: the cookie and no token), a username from preferred_username made
    unique with digits when taken, the same account again, no nonce on
    either side, an ES256 token, an extra audience from GATEHOUSE_OIDC_TEST_AUDIENCES; refused: another
    nonce, no nonce for a token with one, another audience, another issuer, expired, alg none, HS256
    (keyed with the client secret, and with the RSA public key under its kid), a signature by an
    unpublished key (published kid: token_signature; unknown kid: unknown_key), not a JWT; a deactivated
    account (`gatehouse accounts deactivate`) is 403 UserDeactivated;
 4. linking: a password account links an identity with POST /v1/identities/test {idToken, nonce} (201,
    the identity's shape), lists it, logs in with it; the same identity for another account is 409
    Conflict identity_taken; DELETE /v1/identities/{id} 204 and identity.linked/identity.unlinked in
    the activity; someone else's or an unknown id is 404 IdentityNotFound; an account made by OIDC
    (no password) cannot delete its only identity (409 Conflict last_way_to_log_in); the browser link
    flow POST /v1/identities/test?return_to=/linked with the session cookie (and X-Gatehouse-CSRF; 403
    CSRFRejected without) is 303 to the provider, and its callback links and redirects to /linked; finished
    with another account's session cookie it links nothing to that account;
 5. Apple mode: /v1/oidc/apple/start asks for response_mode=form_post and scope openid name email with a
    SameSite=None cookie; the provider's form (code, state, user) posted to the callback from the
    provider's origin is 303 to return_to with a session cookie, an account with the relay address
    (email_verified the string "true") named after its local part; the provider's own PyJWT check of the
    ES256 client secret (iss team id, sub client id, aud https://appleid.apple.com, kid key id) passed;
 6. kept tokens: the test provider is configured with GATEHOUSE_OIDC_TEST_KEEP_TOKENS and
    GATEHOUSE_OIDC_TOKEN_KEYS, Apple is not: the identity_tokens rows of the SQLite file are the test
    provider's only, sealed under the first key, holding none of the issued tokens; KEEP_TOKENS without
    keys, or malformed keys, stop `serve` without echoing a key;
 7. settings: a provider without GATEHOUSE_OIDC_<NAME>_CLIENT_ID stops `serve` naming the variable and
    not echoing the secret; a bad provider name stops it; GATEHOUSE_OIDC and --external-url make the
    redirect_uri, and an https one makes the gatehouse_oidc cookie Secure; an unreachable provider is 502
    ProviderUnavailable;
 8. no server log line holds an ID token, an access token, an authorization code, a client secret (nor
    Apple's JWT), a code_verifier, a session token (the real browser's included) or a token-sealing key;
 9. a real browser (run after 1 and 2): headless Chromium driven by Selenium, set up as
    scripts/ui_browser_test.py does (its Browser class: Debian's chromium and chromium-driver, loopback
    only; missing, they fail the run): /ui/login shows "Continue with Test" and "Continue with Apple";
    clicking "Continue with Test" goes through the provider and the callback on the browser's own cookies
    and lands on /ui/account, showing the new account's username (preferred_username cut to 12
    characters) and e-mail; the browser's session cookie is HttpOnly, Secure, SameSite=Lax, Path=/, and
    document.cookie shows neither it nor gatehouse_oidc; /ui/login with the session redirects to
    /ui/account; the callback left no gatehouse_oidc; the page's Log out button ends the session, and
    "Continue with Test" again is the same account; a flow held at the provider (it shows its own error
    page while it does not know the callback URL), its gatehouse_oidc cookie (HttpOnly, SameSite=Lax,
    Path=/v1/oidc/) deleted with Selenium, then sent back by the provider, and one sent back with a
    made-up state, are each 401 IdentityVerificationFailed detail state in the page, with no session
    cookie in driver.get_cookies(), no account and no code exchanged.

Knobs (environment): GATEHOUSE_OIDC_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing or without --oidc), GATEHOUSE_OIDC_KEEP (set: keep the work folder with the logs),
GATEHOUSE_OIDC_REFETCH_FLOOR (seconds, default 30: how soon after its last fetch the server may fetch a
provider's JWKS again for an unknown kid; the rotation waits that long).

Needs the pip packages pyjwt and cryptography, and for 9 what scripts/ui_browser_test.py needs (selenium,
axe-selenium-python, requests; /usr/bin/chromium and /usr/bin/chromedriver), as scripts/test.sh installs.
Loopback only; every wait is bounded and the whole run is held to OVERALL_LIMIT seconds; only the processes
this script started are stopped, by their id (the browser by its driver's quit).
"""
import base64
import hashlib
import html.parser
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

try:
    from cryptography.hazmat.primitives import serialization

    from oidc_provider import REMOVE, AppleMode, Provider, write_apple_key
except ImportError:
    raise SystemExit("oidc test: needs PyJWT and cryptography: python3 -m pip install pyjwt cryptography")
import testkit
from testkit import FAILED, PASSED, answers_health, check, free_port, note, run, server_environment, spawn, stop, while_relinking

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_OIDC_BINARY"]) if os.environ.get("GATEHOUSE_OIDC_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_OIDC_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-oidc.")

RUN_ID = f"{random.randrange(16 ** 4):04x}"
# Session tokens are bound to the user agent that logged in: every request of this script sends this one.
USER_AGENT = f"oidc-test-{RUN_ID}"
PASSWORD = "correct horse battery staple"
CLIENT_ID = f"gatehouse-e2e-{RUN_ID}"
CLIENT_SECRET = secrets.token_urlsafe(24)
EXTRA_AUDIENCE = f"com.example.gatehouse.ios{RUN_ID}"
# The keys that seal kept provider tokens: k2 seals, k1 (an older key) would still open.
TOKEN_KEYS = f"k2:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')},k1:{base64.b64encode(os.urandom(32)).decode()}"
APPLE_CLIENT_ID = f"com.example.gatehouse.web{RUN_ID}"
APPLE_TEAM_ID = "TEAM" + secrets.token_hex(3).upper()
APPLE_KEY_ID = "KEY" + secrets.token_hex(4).upper()[:7]
APPLE_AUDIENCE = "https://appleid.apple.com"
SESSION_COOKIE = "__Host-gatehouse"
OIDC_COOKIE = "gatehouse_oidc"
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m"]
START_WAIT = 60.0
RELINK_WAIT = 60.0
OVERALL_LIMIT = 420     # the whole run, builds excluded
# The server fetches a provider's JWKS again for an unknown kid at most this often (seconds), so that
# tokens with made-up kids cannot make it hammer the provider.
REFETCH_FLOOR = float(os.environ.get("GATEHOUSE_OIDC_REFETCH_FLOOR", "30"))
USERNAME = re.compile(r"[a-z0-9_]{3,16}")

SEEN_TOKENS = set()     # every session token and gatehouse_oidc cookie this run saw: in no log
PROCESSES = []          # every process this script started


class OutOfTime(BaseException):
    """Raised by SIGALRM when the run passes OVERALL_LIMIT; not an Exception, so no scenario swallows it."""


# MARK: - HTTP

class Reply(testkit.Reply):
    """testkit's Reply with the redirects and cookies of the browser flows, recording the session tokens
    and gatehouse_oidc cookies it carries in SEEN_TOKENS."""

    def __init__(self, status, headers, raw):
        super().__init__(status, headers, raw)
        for value in (self.header("Auth-Token"), self.field("authToken"), self.cookie(SESSION_COOKIE), self.cookie(OIDC_COOKIE)):
            if value:
                SEEN_TOKENS.add(value)

    @property
    def location(self):
        return self.header("Location")

    def set_cookie(self, name):
        """(value, {attribute lower-cased: value or True}) of the Set-Cookie for `name`, or None."""
        for line in self.headers_named("Set-Cookie"):
            first, *attributes = [part.strip() for part in line.split(";")]
            cookie, _, value = first.partition("=")
            if cookie.strip() == name:
                parsed = {}
                for attribute in attributes:
                    key, equals, setting = attribute.partition("=")
                    parsed[key.strip().lower()] = setting.strip() if equals else True
                return value, parsed
        return None

    def cookie(self, name):
        """The non-empty value a reply sets for cookie `name` (unless it is clearing it), or None."""
        found = self.set_cookie(name)
        if not found or not found[0]:
            return None
        value, attributes = found
        if str(attributes.get("max-age", "1")).strip() in ("0", "-1"):
            return None
        return value

    def clears(self, name):
        """Whether the reply clears cookie `name` (empty value, Max-Age=0 or an Expires in the past)."""
        found = self.set_cookie(name)
        if not found:
            return False
        value, attributes = found
        if not value or str(attributes.get("max-age", "")).strip() in ("0", "-1"):
            return True
        expires = attributes.get("expires")
        if isinstance(expires, str):
            try:
                return time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.timezone < time.time()
            except ValueError:
                return False
        return False

    def __repr__(self):
        where = f" -> {self.location}" if self.location else ""
        return f"{self.status}{where} {self.raw[:240].decode(errors='replace')}"


def request(url, method="GET", data=None, headers=None, timeout=30):
    """One request to a loopback URL on a connection of its own; `data` bytes, or a dict sent as JSON."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise ValueError(f"not a loopback URL: {url}")
    all_headers = {"User-Agent": USER_AGENT, "Connection": "close", **(headers or {})}
    if isinstance(data, (dict, list)):
        data = json.dumps(data).encode()
        all_headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=data, headers=all_headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def query_of(url):
    """{name: value} of a URL's query (the last value of a repeated name), {} for None."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url or "").query, keep_blank_values=True))


def with_query(url, **changes):
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FormReader(html.parser.HTMLParser):
    """The first form of an HTML page: its method, action and fields, as a browser would submit it."""

    def __init__(self):
        super().__init__()
        self.method, self.action, self.fields, self.inside = None, None, {}, False

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "form" and self.action is None:
            self.method, self.action, self.inside = (attributes.get("method") or "get").lower(), attributes.get("action"), True
        elif tag == "input" and self.inside and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class Bearer:
    """A logged-in app client keeping the token every answer renews."""

    def __init__(self, server, login):
        self.server = server
        self.token = login.field("authToken")
        self.account_id = login.json["account"]["accountId"]
        self.username = login.json["account"]["username"]

    def call(self, method, path, body=None, headers=None):
        reply = request(self.server.url + path, method, body,
                        {"Authorization": f"Bearer {self.token}", **(headers or {})})
        self.token = reply.header("Auth-Token") or self.token
        return reply


class Browser:
    """A browser's session cookie for the server, renewed from every answer; state-changing requests carry
    X-Gatehouse-CSRF unless told not to."""

    def __init__(self, server, cookie):
        self.server = server
        self.value = cookie

    def header(self):
        return {"Cookie": f"{SESSION_COOKIE}={self.value}"}

    def call(self, method, path, body=None, csrf=True, headers=None, url=None):
        extra = {"X-Gatehouse-CSRF": "1"} if csrf and method not in ("GET", "HEAD") else {}
        reply = request(url or self.server.url + path, method, body, {**self.header(), **extra, **(headers or {})})
        self.value = reply.cookie(SESSION_COOKIE) or self.value
        return reply


def is_error(reply, status, code, detail=None):
    return reply.status == status and reply.code == code and (detail is None or reply.detail == detail)


def error_text(status, code, detail=None):
    return f"{status} {code}" + (f" detail {detail}" if detail else "")


# MARK: - Processes

class Server:
    """One `gatehouse serve` on a free loopback port and a new SQLite file, its output in a log."""

    def __init__(self, name, flags, settings, port=None):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = os.path.join(self.dir, "gatehouse.sqlite")
        self.log_path = os.path.join(self.dir, "server.log")
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", self.database, "--log-level", "debug",
                     *LIMITS, *flags]
        with open(self.log_path, "wb") as log:
            self.process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=server_environment(**settings))
        if answers_health(self.process, self.port, START_WAIT):
            return
        stop(self.process)
        raise RuntimeError(f"server {name} did not start (exit code {self.process.poll()}): {self.log_tail()}")

    def stop(self):
        stop(self.process)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=25):
        return "\n".join([line for line in self.log().splitlines() if " debug " not in line][-lines:])

    def admin(self, *arguments):
        """`gatehouse ARGUMENTS --database` of this server's database: (exit code, output)."""
        result = while_relinking(lambda: subprocess.run([BINARY, *arguments, "--database", self.database], cwd=self.dir,
                                                        capture_output=True, text=True, timeout=60, env=server_environment()),
                                 RELINK_WAIT)
        return result.returncode, result.stdout + result.stderr

    def accounts(self):
        """The accounts `gatehouse accounts list --json` lists (raises when it fails)."""
        code, output = self.admin("accounts", "list", "--json", "--limit", "10000")
        if code != 0:
            raise RuntimeError(f"accounts list failed ({code}): {output[:300]}")
        return json.loads(output)["accounts"]


def refused_start(flags, settings):
    """Starts `gatehouse serve` meant to refuse its settings: (exit code, output)."""
    directory = tempfile.mkdtemp(dir=WORKDIR, prefix="refused.")
    process = spawn([BINARY, "serve", "--port", str(free_port()), "--database", os.path.join(directory, "gatehouse.sqlite"),
                     *flags], PROCESSES, RELINK_WAIT,
                    cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=server_environment(**settings))
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process)
        output = b"(still running after 30 s)"
    text = output.decode(errors="replace")
    with open(os.path.join(directory, "server.log"), "w") as log:
        log.write(text)
    return process.returncode, text


# MARK: - The world

class World:
    """The providers and the server the scenarios share."""

    def __init__(self):
        self.key_path = os.path.join(WORKDIR, f"AuthKey_{APPLE_KEY_ID}.p8")
        apple_public = write_apple_key(self.key_path)
        with open(self.key_path) as f:
            self.key_text = f.read()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.provider = Provider(CLIENT_ID, CLIENT_SECRET, [self.url + "/v1/oidc/test/callback"]).start()
        # An ES256 key in the JWKS from the first fetch on (the server fetches again only for unknown kids).
        self.es256 = self.provider.add_key("ES256", publish=True)
        self.apple = Provider(APPLE_CLIENT_ID, None, [self.url + "/v1/oidc/apple/callback"],
                              apple=AppleMode(APPLE_TEAM_ID, APPLE_KEY_ID, apple_public)).start()
        self.servers = []
        self.server = None
        self.people = 0

    def start_server(self):
        settings = {
            "GATEHOUSE_OIDC_TEST_CLIENT_ID": CLIENT_ID, "GATEHOUSE_OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
            "GATEHOUSE_OIDC_TEST_AUDIENCES": EXTRA_AUDIENCE,
            "GATEHOUSE_OIDC_APPLE_CLIENT_ID": APPLE_CLIENT_ID, "GATEHOUSE_OIDC_APPLE_TEAM_ID": APPLE_TEAM_ID,
            "GATEHOUSE_OIDC_APPLE_KEY_ID": APPLE_KEY_ID, "GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE": self.key_path,
            # The test provider's own tokens are kept, sealed; Apple's are not.
            "GATEHOUSE_OIDC_TEST_KEEP_TOKENS": "true", "GATEHOUSE_OIDC_TOKEN_KEYS": TOKEN_KEYS,
        }
        # The port was chosen first: the providers register the callback URLs before the server listens.
        flags = ["--oidc", f"test={self.provider.issuer}", "--oidc", f"apple={self.apple.issuer}"]
        try:
            self.server = Server("main", flags, settings, port=self.port)
        finally:
            self.servers.extend([self.server] if self.server else [])
        return self.server

    def person(self, tag, verified=True, email=None, name=None, provider=None):
        """A new person at `provider` (the test provider by default), made its current one: (subject,
        e-mail, preferred username)."""
        self.people += 1
        subject = f"{tag}-{RUN_ID}-{self.people}-{secrets.token_hex(4)}"
        username = f"{tag[:7]}_{RUN_ID}{self.people}"[:16]
        email = email or f"{username}@example.com"
        (provider or self.provider).set_person(subject, email=email, email_verified=verified,
                                               name=name or f"{tag.title()} Example", preferred_username=username)
        return subject, email, username

    def account_count(self):
        return len(self.server.accounts())

    def stop(self):
        self.provider.stop()
        self.apple.stop()


# MARK: - Flows

class Flow:
    """One browser sign-in, step by step: start, the provider, the callback."""

    def __init__(self, world, provider_name="test", return_to="/somewhere", start=None):
        self.world = world
        self.name = provider_name
        self.provider = world.apple if provider_name == "apple" else world.provider
        path = f"/v1/oidc/{provider_name}/start" + (f"?{urllib.parse.urlencode({'return_to': return_to})}" if return_to else "")
        self.start = start or request(world.url + path)
        self.authorize_url = self.start.location
        self.parameters = query_of(self.authorize_url)
        self.cookie = self.start.cookie(OIDC_COOKIE)
        found = self.start.set_cookie(OIDC_COOKIE)
        self.cookie_attributes = found[1] if found else {}
        self.answer = None
        self.callback_url = None
        self.form = None

    @property
    def started(self):
        return (self.start.status == 303 and bool(self.authorize_url) and bool(self.cookie)
                and self.authorize_url.startswith(self.provider.issuer + "/authorize?"))

    def authorize(self):
        """The provider's answer: a redirect to the callback, or (form_post) a form."""
        self.answer = request(self.authorize_url)
        if self.answer.status in (302, 303) and self.answer.location:
            self.callback_url = self.answer.location
        elif self.answer.status == 200 and b"<form" in self.answer.raw:
            reader = FormReader()
            reader.feed(self.answer.raw.decode())
            self.form = reader
        return self.answer

    @property
    def callback_parameters(self):
        return dict(self.form.fields) if self.form else query_of(self.callback_url)

    def finish(self, cookie=None, url=None, session=None, fields=None, origin=None):
        """The callback with the gatehouse_oidc cookie `cookie` (the flow's own by default; "" for none),
        as a GET of the provider's redirect, or a POST of its form."""
        cookie = self.cookie if cookie is None else cookie
        cookies = [f"{OIDC_COOKIE}={cookie}"] if cookie else []
        if session:
            cookies.append(f"{SESSION_COOKIE}={session.value}")
        headers = {"Cookie": "; ".join(cookies)} if cookies else {}
        if self.form is not None and url is None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if origin:
                headers["Origin"] = origin
            data = urllib.parse.urlencode(fields if fields is not None else self.form.fields).encode()
            reply = request(self.form.action, "POST", data, headers)
        else:
            reply = request(url or self.callback_url, "GET", None, headers)
        if session:
            session.value = reply.cookie(SESSION_COOKIE) or session.value
        return reply


def browser_login(world, provider_name="test", return_to="/somewhere", origin=None):
    """A whole sign-in: (flow, callback reply, Browser or None)."""
    flow = Flow(world, provider_name, return_to)
    if not flow.started:
        return flow, flow.start, None
    flow.authorize()
    if not flow.callback_url and not flow.form:
        return flow, flow.answer, None
    reply = flow.finish(origin=origin)
    cookie = reply.cookie(SESSION_COOKIE)
    return flow, reply, (Browser(world.server, cookie) if cookie else None)


def native(world, id_token, nonce=None, transport="bearer", provider_name="test", with_nonce=True):
    body = {"idToken": id_token}
    if with_nonce and nonce is not None:
        body["nonce"] = nonce
    return request(world.url + f"/v1/oidc/{provider_name}/token", "POST", body,
                   {"Gatehouse-Transport": transport} if transport else {})


def sign_up_and_log_in(world, username, email=None, transport="bearer"):
    email = email or f"{username}@example.com"
    # Sign-up and login hash with the server's real scrypt: slow on a loaded machine.
    reply = request(world.url + "/v1/accounts", "POST", {"username": username, "email": email, "password": PASSWORD}, timeout=120)
    if reply.status != 201:
        raise RuntimeError(f"sign-up of {username} failed: {reply}")
    login = request(world.url + "/v1/login", "POST", {"username": username, "password": PASSWORD},
                    {"Gatehouse-Transport": transport}, timeout=120)
    if login.status != 200:
        raise RuntimeError(f"login of {username} failed: {login}")
    if transport == "cookie":
        return Browser(world.server, login.cookie(SESSION_COOKIE)), login
    return Bearer(world.server, login), login


def nothing_written(world, what, reply, before, callback=False):
    """The checks every refusal shares: no account made, no session cookie, no token; and for a callback
    the gatehouse_oidc cookie cleared."""
    after = world.account_count()
    check(f"{what}: nothing written (no new account, no session cookie, no token)",
          after == before and not reply.cookie(SESSION_COOKIE) and not reply.field("authToken") and not reply.header("Auth-Token"),
          f"accounts {before} -> {after}; {reply.headers_named('Set-Cookie')}")
    if callback:
        check(f"{what}: the gatehouse_oidc cookie is cleared", reply.clears(OIDC_COOKIE), reply.headers_named("Set-Cookie"))


# MARK: - Scenarios

def scenario_browser(world):
    """1: the browser flow, a new account, the same account again, identities and activity."""
    provider = world.provider
    subject, email, username = world.person("alice", name="Alice Example")
    before = world.account_count()
    flow = Flow(world, "test", "/somewhere")
    check("browser: GET /v1/oidc/test/start?return_to=/somewhere is 303 to the provider's authorization endpoint",
          flow.started, flow.start)
    if not flow.started:
        return
    p = flow.parameters
    callback = world.url + "/v1/oidc/test/callback"
    check("browser: response_type=code, client_id, redirect_uri = {external URL}/v1/oidc/test/callback",
          p.get("response_type") == "code" and p.get("client_id") == CLIENT_ID and p.get("redirect_uri") == callback, p)
    check("browser: scope is the default openid email profile", p.get("scope") == "openid email profile", p.get("scope"))
    check("browser: state and nonce are there (at least 16 characters each)",
          len(p.get("state") or "") >= 16 and len(p.get("nonce") or "") >= 16, p)
    check("browser: code_challenge is an S256 challenge (43 base64url characters), code_challenge_method=S256",
          re.fullmatch(r"[A-Za-z0-9_-]{43}", p.get("code_challenge") or "") is not None and p.get("code_challenge_method") == "S256", p)
    check("browser: no response_mode=form_post for a plain provider", p.get("response_mode") in (None, "query"), p.get("response_mode"))
    a = flow.cookie_attributes
    check("browser: gatehouse_oidc is HttpOnly, SameSite=Lax, Max-Age=600",
          a.get("httponly") is True and str(a.get("samesite", "")).lower() == "lax" and a.get("max-age") == "600", a)
    check("browser: gatehouse_oidc has Path=/v1/oidc/", a.get("path") == "/v1/oidc/", a)
    check("browser: the start sets no session cookie", not flow.start.cookie(SESSION_COOKIE))
    other = Flow(world, "test", "/somewhere")
    check("browser: every start has its own state, nonce and challenge",
          all(other.parameters.get(k) != p.get(k) for k in ("state", "nonce", "code_challenge")) and other.cookie != flow.cookie)

    exchanges = len(provider.exchanges)
    answer = flow.authorize()
    check("browser: the provider redirects to the callback with a code and the state",
          bool(flow.callback_url) and flow.callback_url.startswith(callback + "?")
          and flow.callback_parameters.get("state") == p.get("state") and flow.callback_parameters.get("code"), answer)
    if not flow.callback_url:
        return
    reply = flow.finish()
    session = reply.cookie(SESSION_COOKIE)
    check("browser: the callback with the cookie is 303 to /somewhere", reply.status == 303 and reply.location == "/somewhere", reply)
    check("browser: the callback sets the session cookie", bool(session), reply.headers_named("Set-Cookie"))
    check("browser: the callback clears the gatehouse_oidc cookie", reply.clears(OIDC_COOKIE), reply.headers_named("Set-Cookie"))
    check("browser: no token in the callback's body or headers", not reply.field("authToken") and not reply.header("Auth-Token"))
    seen = provider.exchanges_since(exchanges)
    check("browser: the server exchanged the code at the token endpoint once", len(seen) == 1 and seen[0].get("outcome") == "ok",
          seen)
    if seen:
        e = seen[0]
        check("browser: with client_secret_post: grant_type, code, redirect_uri, client_id, client_secret, code_verifier",
              e.get("auth") == "client_secret_post"
              and {"grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier"} <= set(e.get("form", []))
              and e.get("redirect_uri") == callback, e)
        check("browser: the code_verifier the provider got is the one whose S256 is the start's code_challenge",
              bool(e.get("verifier")) and s256(e["verifier"]) == p.get("code_challenge") and e.get("verifier_ok") is True,
              f"{e.get('verifier')!r} vs {p.get('code_challenge')}")
    if not session:
        return
    browser = Browser(world.server, session)
    me = browser.call("GET", "/v1/me")
    account = me.field("account") or {}
    check("browser: GET /v1/me with the session cookie shows the new account, the provider's e-mail, verified",
          me.status == 200 and account.get("email") == email and account.get("emailVerified") is True, me)
    check("browser: its username comes from preferred_username", account.get("username") == username, account.get("username"))
    check("browser: exactly one account was created", world.account_count() == before + 1)
    world.alice = {"subject": subject, "email": email, "account": account.get("accountId"), "browser": browser}

    flow2, reply2, browser2 = browser_login(world, "test", "/again")
    me2 = browser2.call("GET", "/v1/me") if browser2 else None
    check("browser: a second login with the same identity is 303 to its return_to, the same account",
          reply2.status == 303 and reply2.location == "/again" and me2 is not None
          and (me2.field("account") or {}).get("accountId") == account.get("accountId"), f"{reply2} / {me2}")
    check("browser: and makes no other account", world.account_count() == before + 1)

    # A browser that logs in again while it holds a session: the callback's cookie names the new session,
    # and the old one ends as a logout.
    if browser2:
        old_session = browser2.value
        flow3 = Flow(world, "test", "/over")
        flow3.authorize()
        reply3 = flow3.finish(session=browser2)
        stale = Browser(world.server, old_session).call("GET", "/v1/me")
        fresh = browser2.call("GET", "/v1/me")
        check("browser: a login over the browser's session ends that session, and the new one works",
              reply3.status == 303 and browser2.value != old_session and stale.status == 401 and fresh.status == 200,
              f"{reply3} / old {stale.status} / new {fresh.status}")

    listed = browser.call("GET", "/v1/identities")
    identities = listed.field("identities") or []
    check("browser: GET /v1/identities lists the identity (provider test, the issuer, the subject, the e-mail)",
          listed.status == 200 and len(identities) == 1 and identities[0].get("provider") == "test"
          and identities[0].get("issuer") == provider.issuer and identities[0].get("subject") == subject
          and identities[0].get("email") in (None, email), listed)
    check("browser: an identity is {id, provider, issuer, subject, email?, createdAt}",
          identities and {"id", "provider", "issuer", "subject", "createdAt"} <= set(identities[0])
          and set(identities[0]) <= {"id", "provider", "issuer", "subject", "email", "createdAt"}, identities)
    activity = browser.call("GET", "/v1/activity")
    events = activity.field("events") or []
    logins = [e for e in events if e.get("type") == "login.succeeded"]
    check("browser: GET /v1/activity has login.succeeded with details.method oidc and provider test, three times",
          len(logins) == 3 and all((e.get("details") or {}).get("method") == "oidc"
                                   and (e.get("details") or {}).get("provider") == "test" for e in logins),
          [(e.get("type"), e.get("details")) for e in events])
    check("browser: and account.created", any(e.get("type") == "account.created" for e in events), [e.get("type") for e in events])
    check("browser: and the logout of the session the third login replaced",
          any(e.get("type") == "logout" and e.get("actor") == "user" for e in events), [e.get("type") for e in events])

    _, reply, _ = browser_login(world, "test", None)
    check("browser: without return_to the callback redirects to /", reply.status == 303 and reply.location == "/", reply)
    own = world.url + "/own/page?x=1"
    _, reply, _ = browser_login(world, "test", own)
    check("browser: return_to on the server's own origin is allowed", reply.status == 303 and reply.location == own, reply)


def scenario_refusals(world):
    """2: what the callback and the start refuse, each writing nothing."""
    provider = world.provider

    def attempt(what, status, code, detail, prepare=None, finish=None, tag="mallory", verified=True, email=None):
        """A browser sign-in of a new person that must be refused at the callback."""
        world.person(tag, verified=verified, email=email)
        before = world.account_count()
        if prepare:
            prepare()
        flow = Flow(world, "test", "/refused")
        if not flow.started:
            check(f"{what}: the flow starts", False, flow.start)
            return None, None
        flow.authorize()
        reply = finish(flow) if finish else flow.finish()
        check(f"{what}: {error_text(status, code, detail)}", is_error(reply, status, code, detail), reply)
        nothing_written(world, what, reply, before, callback=True)
        return flow, reply

    tokens = len(provider.exchanges)
    attempt("tampered state", 401, "IdentityVerificationFailed", "state",
            finish=lambda flow: flow.finish(url=with_query(flow.callback_url, state=flow.callback_parameters["state"][:-2] + "xy")))
    check("tampered state: the code was never exchanged", len(provider.exchanges) == tokens, provider.exchanges_since(tokens))

    def tampered_cookie(flow):
        value = flow.cookie
        middle = len(value) // 2
        changed = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:]
        return flow.finish(cookie=changed)

    attempt("tampered cookie", 401, "IdentityVerificationFailed", "state", finish=tampered_cookie)
    attempt("missing cookie", 401, "IdentityVerificationFailed", "state", finish=lambda flow: flow.finish(cookie=""))

    def apple_cookie(flow):
        other = Flow(world, "apple", "/refused")
        return flow.finish(cookie=other.cookie or "none",
                           url=with_query(flow.callback_url, state=other.parameters.get("state") or "none"))

    attempt("another provider's cookie and state", 401, "IdentityVerificationFailed", "state", finish=apple_cookie)
    check("refusals: no code was exchanged for any of them", len(provider.exchanges) == tokens, provider.exchanges_since(tokens))

    # A replayed callback: the first use logs in, the second is refused by the provider.
    world.person("replay")
    flow, first, _ = browser_login(world, "test", "/first")
    check("replayed code: the first callback logs in", first.status == 303 and first.cookie(SESSION_COOKIE), first)
    before = world.account_count()
    exchanges = len(provider.exchanges)
    reply = flow.finish()
    check("replayed code: the same callback URL and cookie again is 401 IdentityVerificationFailed detail code",
          is_error(reply, 401, "IdentityVerificationFailed", "code"), reply)
    check("replayed code: the provider saw the code a second time and refused it (invalid_grant)",
          any(e.get("replay") for e in provider.exchanges_since(exchanges)), provider.exchanges_since(exchanges))
    nothing_written(world, "replayed code", reply, before, callback=True)

    def expire_codes():
        provider.code_lifetime = -1.0

    try:
        attempt("an expired authorization code", 401, "IdentityVerificationFailed", "code", prepare=expire_codes)
    finally:
        provider.code_lifetime = 60.0
    check("expired code: the provider refused it as expired",
          any(e.get("reason") == "code expired" for e in provider.exchanges[-1:]), provider.exchanges[-1:])

    def denied(flow):
        check("provider error: the provider's redirect carries error=access_denied and the state",
              flow.callback_parameters.get("error") == "access_denied"
              and flow.callback_parameters.get("state") == flow.parameters.get("state"), flow.answer)
        return flow.finish()

    tokens = len(provider.exchanges)
    attempt("provider error=access_denied", 401, "IdentityVerificationFailed", "provider_error",
            prepare=lambda: provider.deny_next("access_denied"), finish=denied)
    check("provider error: nothing was exchanged", len(provider.exchanges) == tokens)

    now = int(time.time())
    attempt("an ID token with another nonce", 401, "IdentityVerificationFailed", "nonce",
            prepare=lambda: provider.tamper_next(claims={"nonce": "another-nonce-" + secrets.token_hex(8)}))
    attempt("an ID token without its nonce", 401, "IdentityVerificationFailed", "nonce",
            prepare=lambda: provider.tamper_next(claims={"nonce": REMOVE}))
    attempt("an ID token for another audience", 401, "IdentityVerificationFailed", "token_audience",
            prepare=lambda: provider.tamper_next(claims={"aud": "someone-else"}))
    attempt("an ID token of another issuer", 401, "IdentityVerificationFailed", "token_issuer",
            prepare=lambda: provider.tamper_next(claims={"iss": "http://127.0.0.1:9/elsewhere"}))
    attempt("an ID token for two audiences, authorized party another client", 401, "IdentityVerificationFailed",
            "authorized_party", prepare=lambda: provider.tamper_next(claims={"aud": [CLIENT_ID, "someone-else"], "azp": "someone-else"}))
    attempt("an expired ID token", 401, "IdentityVerificationFailed", "token_expired",
            prepare=lambda: provider.tamper_next(claims={"iat": now - 1200, "exp": now - 600, "auth_time": now - 1200}))
    unpublished = provider.add_key(publish=False)
    attempt("an ID token signed by an unpublished key under the published kid", 401, "IdentityVerificationFailed",
            "token_signature", prepare=lambda: provider.tamper_next(key=unpublished, headers={"kid": provider.current.kid}))
    attempt("an ID token that is no JWT", 401, "IdentityVerificationFailed", "token_malformed",
            prepare=lambda: provider.tamper_next(id_token="not.a-jwt"))

    # Made-up key ids: refused, and they do not make the server fetch the provider's keys again and again.
    fetches = provider.count("/jwks")
    for round_ in range(3):
        stranger = provider.add_key(publish=False)
        attempt(f"an ID token under a kid the JWKS does not list ({round_ + 1} of 3)", 401, "IdentityVerificationFailed",
                "unknown_key", prepare=lambda: provider.tamper_next(key=stranger))
    check("made-up kids: 3 of them in a row made the server fetch the JWKS at most once",
          provider.count("/jwks") - fetches <= 1, f"{fetches} -> {provider.count('/jwks')}")

    attempt("an unverified e-mail for a new identity", 403, "EmailNotVerified", "provider_email", verified=False)
    attempt("a new identity without an e-mail", 403, "EmailNotVerified", "provider_email",
            prepare=lambda: provider.tamper_next(claims={"email": REMOVE, "email_verified": REMOVE}))
    username = f"pwowner_{RUN_ID}"
    sign_up_and_log_in(world, username)
    attempt("a verified e-mail of an existing password account", 409, "IdentityNotLinked", None,
            email=f"{username}@example.com")

    before = world.account_count()
    reply = request(world.url + "/v1/oidc/nowhere/start?return_to=/x")
    check("unknown provider: GET /v1/oidc/nowhere/start is 404 ProviderNotFound", is_error(reply, 404, "ProviderNotFound"), reply)
    check("unknown provider: and sets no gatehouse_oidc cookie", not reply.cookie(OIDC_COOKIE))
    reply = request(world.url + "/v1/oidc/nowhere/callback?code=x&state=y")
    check("unknown provider: its callback is 404 ProviderNotFound", is_error(reply, 404, "ProviderNotFound"), reply)
    nothing_written(world, "unknown provider", reply, before)
    for bad in ("//evil.example", "https://evil.example", "https://evil.example/somewhere", "//evil.example/x"):
        reply = request(world.url + "/v1/oidc/test/start?" + urllib.parse.urlencode({"return_to": bad}))
        check(f"return_to {bad}: 400 InvalidRequest detail return_to, no cookie",
              is_error(reply, 400, "InvalidRequest", "return_to") and not reply.cookie(OIDC_COOKIE), reply)
    reply = request(world.url + "/v1/oidc/test/start?" + urllib.parse.urlencode({"return_to": "/\\evil.example"}))
    note(f"return_to /\\evil.example (browsers read it as //evil.example; the contract does not say): {reply.status} "
         f"{reply.code} {reply.detail}")


def scenario_real_browser(world):
    """9: the login page's "Continue with Test" in a real headless Chromium (ui_browser_test's Browser:
    Debian's chromium and chromedriver, loopback only), its own cookies carrying the flow: a new account's
    page, the same account after logging out and in again, and a flow whose gatehouse_oidc cookie is gone
    (or whose state is made up) refused at the callback."""
    try:
        import ui_browser_test as ui   # sets SE_OFFLINE: Selenium Manager never downloads a browser or a driver
        from selenium.common.exceptions import NoSuchElementException
        from selenium.webdriver.common.by import By
    except ImportError as error:
        check("real browser: selenium (and what scripts/ui_browser_test.py imports) is installed: scripts/test.sh "
              "installs it", False, repr(error))
        return
    # Missing, the browser or its driver is a failure, never a skip.
    missing = [tool for tool in (ui.CHROMIUM, ui.CHROMEDRIVER) if not os.access(tool, os.X_OK)]
    check(f"real browser: {ui.CHROMIUM} and {ui.CHROMEDRIVER} are there", not missing,
          f"missing {', '.join(missing)}: apt-get install -y chromium chromium-driver")
    if missing:
        return
    provider = world.provider
    callback = world.url + "/v1/oidc/test/callback"
    folder = os.path.join(WORKDIR, "chromium")
    os.makedirs(folder, exist_ok=True)
    browser = ui.Browser("oidc", world.server, folder)
    try:
        driver = browser.driver

        def cookies():
            """The browser's cookies for the page it shows, by name (HttpOnly ones included)."""
            found = {cookie["name"]: cookie for cookie in driver.get_cookies()}
            SEEN_TOKENS.update(cookie["value"] for name, cookie in found.items() if name in (SESSION_COOKIE, OIDC_COOKIE))
            return found

        def jar_names():
            """The names of every cookie the browser holds, whatever the page (the DevTools protocol's view)."""
            return sorted(cookie["name"] for cookie in driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"])

        def page_json():
            """The JSON document the browser shows (Chrome puts it in a <pre>), or None."""
            try:
                text = driver.find_element(By.TAG_NAME, "pre").text
            except NoSuchElementException:
                text = browser.text()
            try:
                return json.loads(text[text.index("{"):text.rindex("}") + 1])
            except ValueError:
                return None

        def continue_with_test(what):
            """/ui/login, its "Continue with Test" clicked; the browser follows the redirects. The link, or None."""
            browser.go("/ui/login")
            try:
                link = driver.find_element(By.LINK_TEXT, "Continue with Test")
            except NoSuchElementException:
                check(f"{what}: /ui/login shows a \"Continue with Test\" link", False, browser.text()[:300])
                return None
            href = link.get_attribute("href")
            browser.click_and_wait(link)
            return href

        # 1. The first login: a new account.
        _, email, username = world.person("chromium", name="Chromium Example")
        before = world.account_count()
        authorizations, exchanges = len(provider.authorizations), len(provider.exchanges)
        browser.go("/ui/login")
        texts = [link.text.strip() for link in driver.find_elements(By.CSS_SELECTOR, "a")]
        check("real browser: /ui/login shows the links \"Continue with Test\" and \"Continue with Apple\"",
              "Continue with Test" in texts and "Continue with Apple" in texts, texts)
        href = continue_with_test("real browser")
        if href is None:
            return
        check("real browser: the link starts the test provider's flow, back to /ui/account",
              href == world.url + "/v1/oidc/test/start?return_to=%2Fui%2Faccount", href)
        check("real browser: the browser went through the provider's authorization endpoint once, and the server "
              "exchanged its code", len(provider.authorizations) == authorizations + 1
              and [e.get("outcome") for e in provider.exchanges_since(exchanges)] == ["ok"],
              f"{len(provider.authorizations) - authorizations} authorizations, {provider.exchanges_since(exchanges)}")
        check("real browser: the browser lands on /ui/account", browser.path() == "/ui/account",
              f"{driver.current_url}: {browser.text()[:300]}")
        made = [a for a in world.server.accounts() if a.get("email") == email]
        check("real browser: one account was made, with the provider's e-mail",
              world.account_count() == before + 1 and len(made) == 1, made)
        name = made[0].get("username") if made else None
        # The server folds preferred_username into the username rules and cuts it to 12 characters.
        derived = username[:12].rstrip("_")
        check("real browser: its username is preferred_username cut to 12 characters",
              name == derived, f"{name} vs {derived} (from {username})")
        page = browser.text()
        check("real browser: the account page shows the username", bool(name) and name in page, page[:400])
        check("real browser: and the e-mail address, confirmed", email in page and "Confirmed" in page, page[:400])
        jar = cookies()
        session = jar.get(SESSION_COOKIE)
        check("real browser: the browser holds the session cookie, HttpOnly, Secure, SameSite=Lax, Path=/",
              session is not None and session.get("httpOnly") is True and session.get("secure") is True
              and session.get("sameSite") == "Lax" and session.get("path") == "/", session)
        visible = driver.execute_script("return document.cookie") or ""
        check("real browser: document.cookie shows neither the session cookie nor gatehouse_oidc",
              SESSION_COOKIE not in visible and OIDC_COOKIE not in visible, visible)
        browser.go("/ui/login")
        check("real browser: /ui/login again, with the session, redirects to /ui/account", browser.path() == "/ui/account",
              driver.current_url)
        browser.go("/v1/oidc/nowhere/start")
        check("real browser: the callback cleared gatehouse_oidc (none under /v1/oidc/)", OIDC_COOKIE not in cookies(),
              sorted(cookies()))

        # 2. Logged out, and in again as the same person: the same account.
        browser.go("/ui/account")
        browser.logout()
        check("real browser: the page's Log out button ends the session (no session cookie left)",
              SESSION_COOKIE not in cookies(), sorted(cookies()))
        browser.go("/ui/account")
        check("real browser: after logging out /ui/account goes to /ui/login", browser.path() == "/ui/login", driver.current_url)
        continue_with_test("real browser, again")
        page = browser.text()
        check("real browser: \"Continue with Test\" again, as the same person, lands on /ui/account",
              browser.path() == "/ui/account", f"{driver.current_url}: {page[:300]}")
        check("real browser: the same account (its username on the page), no other made",
              bool(name) and name in page and world.account_count() == before + 1, f"{page[:300]}; accounts {world.account_count()}")
        check("real browser: a new session cookie", SESSION_COOKIE in cookies()
              and cookies()[SESSION_COOKIE]["value"] != (session or {}).get("value"), sorted(cookies()))
        browser.logout()
        check("real browser: logged out again", SESSION_COOKIE not in cookies(), sorted(cookies()))

        # 3. Flows held at the provider, then tampered with before it sends the browser back.
        def held_flow(what):
            """A new person; "Continue with Test" while the provider does not know the callback URL, so it
            answers its own error page instead of redirecting (it never redirects to an unregistered
            address): the browser holds the flow's gatehouse_oidc cookie and shows the provider's page.
            The authorization URL, or None."""
            world.person("tampered")
            registered = set(provider.redirect_uris)
            provider.redirect_uris.clear()
            try:
                continue_with_test(what)
            finally:
                provider.redirect_uris.update(registered)
            url = driver.current_url
            check(f"{what}: the browser is held at the provider's authorization endpoint, not logged in, holding gatehouse_oidc",
                  url.startswith(provider.issuer + "/authorize?") and "redirect_uri is not registered" in browser.text()
                  and OIDC_COOKIE in jar_names() and SESSION_COOKIE not in jar_names(),
                  f"{url}: {browser.text()[:200]}; {jar_names()}")
            return url if url.startswith(provider.issuer + "/authorize?") else None

        def refused(what, before, exchanges):
            """The callback's answer in the browser: 401 IdentityVerificationFailed detail state, nothing written."""
            status, body = browser.last_status(), page_json() or {}
            error = body.get("error") if isinstance(body.get("error"), dict) else {}
            check(f"{what}: the provider sent the browser back to the callback",
                  driver.current_url.startswith(callback + "?"), driver.current_url)
            check(f"{what}: 401 IdentityVerificationFailed detail state (the page's text)",
                  status == 401 and error.get("code") == "IdentityVerificationFailed" and error.get("detail") == "state",
                  f"{status} {browser.text()[:300]}")
            check(f"{what}: no session cookie (driver.get_cookies()), no account made, no code exchanged",
                  SESSION_COOKIE not in cookies() and SESSION_COOKIE not in jar_names() and world.account_count() == before
                  and len(provider.exchanges) == exchanges,
                  f"{sorted(cookies())}; accounts {before} -> {world.account_count()}; {provider.exchanges_since(exchanges)}")

        before, exchanges = world.account_count(), len(provider.exchanges)
        what = "real browser, gatehouse_oidc deleted"
        url = held_flow(what)
        if url:
            browser.go("/v1/oidc/nowhere/start")   # a page of the server under the cookie's path
            flow_cookie = cookies().get(OIDC_COOKIE)
            check(f"{what}: the browser kept gatehouse_oidc (HttpOnly, SameSite=Lax, Path=/v1/oidc/), out of document.cookie",
                  flow_cookie is not None and flow_cookie.get("httpOnly") is True and flow_cookie.get("sameSite") == "Lax"
                  and flow_cookie.get("path") == "/v1/oidc/"
                  and OIDC_COOKIE not in (driver.execute_script("return document.cookie") or ""), flow_cookie)
            driver.delete_cookie(OIDC_COOKIE)
            check(f"{what}: Selenium deleted it", OIDC_COOKIE not in jar_names(), jar_names())
            browser.go(url)   # the provider again, which now sends the browser back with a code
            refused(what, before, exchanges)

        what = "real browser, a made-up state"
        url = held_flow(what)
        if url:
            browser.go(with_query(url, state=secrets.token_urlsafe(24)))
            refused(what, before, exchanges)
            check(f"{what}: the refusal cleared the browser's gatehouse_oidc", OIDC_COOKIE not in jar_names(), jar_names())
    finally:
        browser.quit()


def scenario_native(world):
    """3: POST /v1/oidc/test/token with ID tokens minted by the provider."""
    provider = world.provider
    subject, email, username = world.person("bob")
    nonce = secrets.token_urlsafe(16)
    before = world.account_count()

    def good(nonce_claim=nonce, **extra):
        return provider.mint(provider.claims_for(nonce=nonce_claim, **extra))

    reply = native(world, good(), nonce)
    account = reply.field("account") or {}
    check("native: a good ID token is 200 with authToken, session and account (bearer: the token in the body)",
          reply.status == 200 and reply.field("authToken") and reply.field("session") and account.get("email") == email, reply)
    check("native: bearer transport sets no session cookie", not reply.cookie(SESSION_COOKIE), reply.headers_named("Set-Cookie"))
    check("native: the account is new, its e-mail verified", world.account_count() == before + 1 and account.get("emailVerified") is True,
          account)
    _, password_login = sign_up_and_log_in(world, f"shape_{RUN_ID}")
    check("native: the body has the same fields as POST /v1/login's",
          isinstance(reply.json, dict) and set(reply.json) == set(password_login.json)
          and set(reply.json.get("account") or {}) == set(password_login.json["account"])
          and set(reply.json.get("session") or {}) == set(password_login.json["session"]),
          f"{sorted(reply.json or {})} vs {sorted(password_login.json)}")
    if reply.status != 200:
        return
    bob = Bearer(world.server, reply)
    world.bob = bob
    me = bob.call("GET", "/v1/me")
    check("native: its token works for GET /v1/me", me.status == 200 and (me.field("account") or {}).get("accountId") == bob.account_id, me)
    check("native: the username comes from preferred_username", bob.username == username, bob.username)
    twin = f"twin-{RUN_ID}-{secrets.token_hex(4)}"
    provider.set_person(twin, email=f"twin{RUN_ID}@example.com", email_verified=True, name="Twin", preferred_username=username)
    reply = native(world, good(), nonce)
    taken = (reply.field("account") or {}).get("username") or ""
    check("native: a second new account whose preferred_username is taken gets it made unique with digits (3-16 characters)",
          reply.status == 200 and re.fullmatch(re.escape(username[:12]) + r"[a-z0-9_]*[0-9]", taken) is not None
          and USERNAME.fullmatch(taken) is not None and taken != username, f"{username} -> {taken!r}: {reply}")
    provider.set_person(subject, email=email, email_verified=True, name="Bob Example", preferred_username=username)
    reply = native(world, good(), nonce)
    check("native: the same identity again is the same account",
          reply.status == 200 and (reply.field("account") or {}).get("accountId") == bob.account_id, reply)
    reply = native(world, good(), nonce, transport="cookie")
    check("native: Gatehouse-Transport: cookie sets the session cookie and leaves authToken out",
          reply.status == 200 and reply.cookie(SESSION_COOKIE) and not reply.field("authToken"), reply)
    reply = native(world, provider.mint(provider.claims_for()), None)
    check("native: no nonce in the token and none in the request is 200", reply.status == 200, reply)
    reply = native(world, provider.mint(provider.claims_for(nonce=nonce), key=world.es256), nonce)
    check("native: a token signed ES256 by a published key is 200", reply.status == 200, reply)
    reply = native(world, good(audience=EXTRA_AUDIENCE), nonce)
    check("native: a token for the extra audience of GATEHOUSE_OIDC_TEST_AUDIENCES is 200", reply.status == 200, reply)

    now = int(time.time())
    refusals = [
        ("another nonce", good(), "not-" + nonce, True, "nonce"),
        ("no nonce for a token that has one", good(), None, False, "nonce"),
        ("another audience", good(audience="someone-else"), nonce, True, "token_audience"),
        ("another issuer", good(iss="http://127.0.0.1:9/elsewhere"), nonce, True, "token_issuer"),
        ("two audiences, authorized party another client", good(aud=[CLIENT_ID, "someone-else"], azp="someone-else"), nonce, True,
         "authorized_party"),
        ("expired", good(iat=now - 1200, exp=now - 600, auth_time=now - 1200), nonce, True, "token_expired"),
        ("signed by an unpublished key under the published kid",
         provider.mint(provider.claims_for(nonce=nonce), key=provider.add_key(publish=False), headers={"kid": provider.current.kid}),
         nonce, True, "token_signature"),
        ("signed by an unpublished key under its own kid",
         provider.mint(provider.claims_for(nonce=nonce), key=provider.add_key(publish=False)), nonce, True, "unknown_key"),
        ("not a JWT", "this-is-not-a-jwt", nonce, True, "token_malformed"),
    ]
    for what, token, given, send, detail in refusals:
        before = world.account_count()
        reply = native(world, token, given, with_nonce=send)
        check(f"native: {what} is {error_text(401, 'IdentityVerificationFailed', detail)}",
              is_error(reply, 401, "IdentityVerificationFailed", detail), reply)
        nothing_written(world, f"native: {what}", reply, before)

    # Forgeries whose detail the contract leaves open between a few: the refusal is what matters.
    public_pem = provider.current.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forgeries = [
        ("alg none", provider.mint(provider.claims_for(nonce=nonce), alg="none")),
        ("HS256 keyed with the client secret", provider.mint(provider.claims_for(nonce=nonce), alg="HS256", headers={"kid": None})),
        ("HS256 keyed with the RSA public key under its kid", provider.mint(provider.claims_for(nonce=nonce), alg="HS256",
                                                                              hmac_key=public_pem)),
    ]
    for what, token in forgeries:
        before = world.account_count()
        reply = native(world, token, nonce)
        check(f"native: {what} is 401 IdentityVerificationFailed (detail token_signature, token_header or token_malformed)",
              reply.status == 401 and reply.code == "IdentityVerificationFailed"
              and reply.detail in ("token_signature", "token_header", "token_malformed"), reply)
        note(f"native: {what}: detail {reply.detail}")
        nothing_written(world, f"native: {what}", reply, before)

    reply = request(world.url + "/v1/oidc/test/token", "POST", {"nonce": nonce}, {"Gatehouse-Transport": "bearer"})
    check("native: a body without idToken is 400 InvalidRequest", is_error(reply, 400, "InvalidRequest"), reply)
    reply = native(world, good(), nonce, provider_name="nowhere")
    check("native: an unknown provider is 404 ProviderNotFound", is_error(reply, 404, "ProviderNotFound"), reply)

    # A deactivated account.
    world.person("carol")
    reply = native(world, good(), nonce)
    carol = (reply.field("account") or {}).get("username")
    check("deactivated: the account logs in first", reply.status == 200 and carol, reply)
    if carol:
        code, output = world.server.admin("accounts", "deactivate", carol)
        check("deactivated: gatehouse accounts deactivate succeeds", code == 0, output)
        before = world.account_count()
        reply = native(world, good(), nonce)
        check("deactivated: its identity is 403 UserDeactivated", is_error(reply, 403, "UserDeactivated"), reply)
        nothing_written(world, "deactivated", reply, before)
        _, reply, _ = browser_login(world, "test", "/deactivated")
        check("deactivated: through the browser too (403 UserDeactivated)", is_error(reply, 403, "UserDeactivated"), reply)


def scenario_linking(world):
    """4: identities linked to password accounts, listed, used, unlinked."""
    provider = world.provider
    owner, _ = sign_up_and_log_in(world, f"linker_{RUN_ID}")
    stranger, _ = sign_up_and_log_in(world, f"stranger_{RUN_ID}")
    subject, email, _ = world.person("dave")
    nonce = secrets.token_urlsafe(16)
    token = provider.mint(provider.claims_for(nonce=nonce))
    before = world.account_count()

    reply = request(world.url + "/v1/identities/test", "POST", {"idToken": token, "nonce": nonce})
    check("link: without a session it is 401 Unauthorized", is_error(reply, 401, "Unauthorized"), reply)
    reply = owner.call("POST", "/v1/identities/test", {"idToken": token, "nonce": "not-" + nonce})
    check("link: another nonce is 401 IdentityVerificationFailed detail nonce", is_error(reply, 401, "IdentityVerificationFailed", "nonce"),
          reply)
    reply = owner.call("POST", "/v1/identities/test", {"idToken": token, "nonce": nonce})
    identity = reply.field("identity") or {}
    check("link: POST /v1/identities/test {idToken, nonce} is 201 {identity}",
          reply.status == 201 and identity.get("provider") == "test" and identity.get("subject") == subject
          and identity.get("issuer") == provider.issuer and identity.get("id"), reply)
    check("link: no account was created", world.account_count() == before)
    listed = owner.call("GET", "/v1/identities")
    check("link: GET /v1/identities lists it", listed.status == 200
          and [i.get("id") for i in listed.field("identities") or []] == [identity.get("id")], listed)
    reply = stranger.call("POST", "/v1/identities/test", {"idToken": provider.mint(provider.claims_for(nonce=nonce)), "nonce": nonce})
    check("link: the same identity for another account is 409 Conflict detail identity_taken",
          is_error(reply, 409, "Conflict", "identity_taken"), reply)
    check("link: the other account has no identity", (stranger.call("GET", "/v1/identities").field("identities") or []) == [])
    reply = native(world, provider.mint(provider.claims_for(nonce=nonce)), nonce)
    check("link: the identity now logs in to the password account",
          reply.status == 200 and (reply.field("account") or {}).get("accountId") == owner.account_id, reply)

    if getattr(world, "alice", None):
        alice_identities = world.alice["browser"].call("GET", "/v1/identities").field("identities") or []
        if alice_identities:
            reply = stranger.call("DELETE", f"/v1/identities/{alice_identities[0]['id']}")
            check("unlink: someone else's identity id is 404 IdentityNotFound", is_error(reply, 404, "IdentityNotFound"), reply)
    reply = owner.call("DELETE", "/v1/identities/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    check("unlink: an unknown id is 404 IdentityNotFound", is_error(reply, 404, "IdentityNotFound"), reply)
    if identity.get("id"):
        reply = owner.call("DELETE", f"/v1/identities/{identity['id']}")
        check("unlink: DELETE /v1/identities/{id} is 204", reply.status == 204, reply)
        check("unlink: the list is empty after it", (owner.call("GET", "/v1/identities").field("identities") or []) == [])
        events = owner.call("GET", "/v1/activity").field("events") or []
        kinds = [(e.get("type"), (e.get("details") or {}).get("provider")) for e in events]
        check("unlink: the activity has identity.linked and identity.unlinked, provider test",
              ("identity.linked", "test") in kinds and ("identity.unlinked", "test") in kinds, kinds)
        before = world.account_count()
        reply = native(world, provider.mint(provider.claims_for(nonce=nonce)), nonce)
        check("unlink: the identity, unlinked, no longer logs in to the account (a login makes an account of its own)",
              reply.status == 200 and reply.json["account"]["accountId"] != owner.account_id and world.account_count() == before + 1,
              reply)
        note(f"unlink: the unlinked identity then answered {reply.status} {reply.code}; accounts {before} -> {world.account_count()}")

    bob = getattr(world, "bob", None)
    if bob:
        identities = bob.call("GET", "/v1/identities").field("identities") or []
        if len(identities) == 1:
            reply = bob.call("DELETE", f"/v1/identities/{identities[0]['id']}")
            check("unlink: an account made by OIDC (no password) cannot delete its only identity: 409 Conflict last_way_to_log_in",
                  is_error(reply, 409, "Conflict", "last_way_to_log_in"), reply)
            check("unlink: the identity is still there", len(bob.call("GET", "/v1/identities").field("identities") or []) == 1)
        else:
            check("unlink: the OIDC account lists its one identity", False, identities)

    # The browser link flow, with the session cookie.
    browser, _ = sign_up_and_log_in(world, f"webl_{RUN_ID}", transport="cookie")
    me = browser.call("GET", "/v1/me")
    account_id = (me.field("account") or {}).get("accountId")
    subject, _, _ = world.person("erin")
    before = world.account_count()
    reply = browser.call("POST", "/v1/identities/test?return_to=/linked", csrf=False)
    check("link flow: without X-Gatehouse-CSRF (nor Origin) it is 403 CSRFRejected", is_error(reply, 403, "CSRFRejected"), reply)
    reply = browser.call("POST", "/v1/identities/test?return_to=/linked")
    flow = Flow(world, "test", start=reply)
    check("link flow: POST /v1/identities/test?return_to=/linked is 303 to the provider with a gatehouse_oidc cookie",
          flow.started, reply)
    if not flow.started:
        return
    flow.authorize()
    reply = flow.finish(session=browser)
    check("link flow: the callback links and is 303 to /linked", reply.status == 303 and reply.location == "/linked", reply)
    identities = browser.call("GET", "/v1/identities").field("identities") or []
    check("link flow: the account lists the identity", [i.get("subject") for i in identities] == [subject], identities)
    check("link flow: no account was created", world.account_count() == before)
    nonce = secrets.token_urlsafe(16)
    reply = native(world, provider.mint(provider.claims_for(nonce=nonce)), nonce)
    check("link flow: the identity then logs in to that account",
          reply.status == 200 and (reply.field("account") or {}).get("accountId") == account_id, reply)

    # The cookie is bound to the session that asked: finished in another account's browser, it links nothing there.
    other, _ = sign_up_and_log_in(world, f"webo_{RUN_ID}", transport="cookie")
    world.person("frank")
    flow = Flow(world, "test", start=browser.call("POST", "/v1/identities/test?return_to=/linked"))
    if flow.started:
        flow.authorize()
        reply = flow.finish(session=other)
        theirs = other.call("GET", "/v1/identities").field("identities") or []
        check("link flow: finished with another account's session cookie, it links nothing to that account", theirs == [],
              f"{reply}; {theirs}")
        mine = browser.call("GET", "/v1/identities").field("identities") or []
        note(f"link flow: finished in another account's browser: {reply.status} {reply.code} {reply.detail} "
             f"{reply.location or ''}; the asking account has {len(mine)} identities")


def scenario_apple(world):
    """5: the Apple behaviour: form_post, an ES256 client secret the provider checks on its own."""
    apple = world.apple
    subject, email, _ = world.person("ada", email=f"ada{RUN_ID}@privaterelay.appleid.com", name="Ada Lovelace", provider=apple)
    before = world.account_count()
    flow = Flow(world, "apple", "/apple")
    check("apple: GET /v1/oidc/apple/start is 303 to the provider", flow.started, flow.start)
    if not flow.started:
        return
    p = flow.parameters
    check("apple: response_mode=form_post, scope openid name email, the Apple client id and its callback",
          p.get("response_mode") == "form_post" and p.get("scope") == "openid name email" and p.get("client_id") == APPLE_CLIENT_ID
          and p.get("redirect_uri") == world.url + "/v1/oidc/apple/callback" and p.get("code_challenge_method") == "S256", p)
    check("apple: the gatehouse_oidc cookie is SameSite=None, HttpOnly",
          str(flow.cookie_attributes.get("samesite", "")).lower() == "none" and flow.cookie_attributes.get("httponly") is True,
          flow.start.set_cookie(OIDC_COOKIE))
    answer = flow.authorize()
    check("apple: the provider answers a form posting code, state and user to the callback",
          flow.form is not None and flow.form.method == "post" and flow.form.action == world.url + "/v1/oidc/apple/callback"
          and {"code", "state", "user"} <= set(flow.form.fields), answer)
    if flow.form is None:
        return
    checks = len(apple.apple_checks)
    reply = flow.finish(origin=apple.issuer)
    cookie = reply.cookie(SESSION_COOKIE)
    check("apple: the form posted to the callback (from the provider's origin) is 303 to /apple with a session cookie",
          reply.status == 303 and reply.location == "/apple" and cookie, reply)
    results = apple.apple_checks[checks:]
    check("apple: the provider's PyJWT check of the ES256 client secret passed (iss team, sub client, aud Apple, kid)",
          results and all(passed for passed, _ in results), results)
    if results:
        note(f"apple: client secret: {results[-1][1]}")
    if not cookie:
        return
    browser = Browser(world.server, cookie)
    account = browser.call("GET", "/v1/me").field("account") or {}
    check("apple: the new account has the relay e-mail, verified (email_verified the string \"true\")",
          account.get("email") == email and account.get("emailVerified") is True, account)
    check("apple: with no preferred_username, its username is the e-mail's local part",
          account.get("username") == email.split("@")[0], account)
    check("apple: one account was created", world.account_count() == before + 1)
    _, reply, again = browser_login(world, "apple", "/apple2", origin=apple.issuer)
    me = again.call("GET", "/v1/me") if again else None
    check("apple: the second login (no user field) is the same account",
          reply.status == 303 and me is not None and (me.field("account") or {}).get("accountId") == account.get("accountId"), reply)
    identities = browser.call("GET", "/v1/identities").field("identities") or []
    check("apple: the identity is listed under provider apple",
          [(i.get("provider"), i.get("subject"), i.get("issuer")) for i in identities] == [("apple", subject, apple.issuer)], identities)


def scenario_rotation(world):
    """2, the provider's key rotation: a token under a kid the server has not seen, published only in the
    provider's new JWKS, makes the server fetch the JWKS again and is accepted."""
    provider = world.provider
    # The server fetches a provider's keys again for an unknown kid at most once per REFETCH_FLOOR s.
    since = provider.since("/jwks")
    check("rotation: the server had fetched the provider's JWKS before", since is not None)
    if since is None:
        return
    if since < REFETCH_FLOOR + 1:
        note(f"rotation: waiting {REFETCH_FLOOR + 1 - since:.0f} s, {REFETCH_FLOOR:.0f} s after the server's last JWKS fetch")
        time.sleep(REFETCH_FLOOR + 1 - since)
    fetches = provider.count("/jwks")
    old = provider.current
    new = provider.rotate_key(publish="new")
    check("rotation: the provider publishes only the new key", [k["kid"] for k in provider.jwks()["keys"]] == [new.kid])
    world.person("rotated")
    before = world.account_count()
    _, reply, browser = browser_login(world, "test", "/rotated")
    check("rotation: a login with an ID token of the new key (a kid the server had not seen) works",
          reply.status == 303 and reply.location == "/rotated" and browser is not None, reply)
    check("rotation: the server fetched the JWKS again", provider.count("/jwks") > fetches, f"{fetches} -> {provider.count('/jwks')}")
    check("rotation: and made the account", world.account_count() == before + 1)
    nonce = secrets.token_urlsafe(16)
    reply = native(world, provider.mint(provider.claims_for(nonce=nonce)), nonce)
    check("rotation: the native endpoint takes the new key's tokens too", reply.status == 200, reply)
    reply = native(world, provider.mint(provider.claims_for(nonce=nonce), key=old), nonce)
    note(f"rotation: a token of the old key, no longer published but cached by the server: {reply.status} {reply.code} "
         f"{reply.detail}")
    note(f"rotation: key {old.kid} -> {new.kid}; JWKS fetched {provider.count('/jwks')} times in all")


def scenario_kept_tokens(world):
    """6: provider tokens are kept only for a provider configured to keep them, and then sealed: the rows
    of identity_tokens, read straight from the SQLite file, name only the sealing key and hold none of the
    access tokens the provider issued."""
    import sqlite3
    with sqlite3.connect(f"file:{world.server.database}?mode=ro", uri=True, timeout=10) as database:
        rows = database.execute("SELECT i.provider, t.sealed FROM identity_tokens t JOIN identities i ON i.id = t.identity_id").fetchall()
    kept = [bytes(sealed) for provider, sealed in rows if provider == "test"]
    check("kept tokens: the test provider's browser logins left sealed tokens", len(kept) >= 1, rows[:3])
    check("kept tokens: none for Apple, which is not configured to keep them", all(provider == "test" for provider, _ in rows),
          sorted({provider for provider, _ in rows}))
    check("kept tokens: each is sealed under the first listed key (k2)", all(blob[:3] == bytes([2]) + b"k2" for blob in kept),
          [blob[:4] for blob in kept[:3]])
    issued = [token.encode() for token in world.provider.issued if token]
    check(f"kept tokens: no row holds a token the provider issued ({len(issued)} tokens)",
          not any(token in blob or token[:16] in blob for token in issued for blob in kept))
    check("kept tokens: no row holds readable JSON", not any(b"access" in blob or b"Bearer" in blob for blob in kept))
    code, text = refused_start(["--oidc", f"test={world.provider.issuer}"],
                               {"GATEHOUSE_OIDC_TEST_CLIENT_ID": CLIENT_ID, "GATEHOUSE_OIDC_TEST_KEEP_TOKENS": "true"})
    check("kept tokens: KEEP_TOKENS without GATEHOUSE_OIDC_TOKEN_KEYS stops the server, naming both",
          code not in (None, 0) and "GATEHOUSE_OIDC_TEST_KEEP_TOKENS" in text and "GATEHOUSE_OIDC_TOKEN_KEYS" in text, f"exit {code}: {text[-300:]}")
    code, text = refused_start(["--oidc", f"test={world.provider.issuer}"],
                               {"GATEHOUSE_OIDC_TEST_CLIENT_ID": CLIENT_ID, "GATEHOUSE_OIDC_TOKEN_KEYS": "k1:short-and-secret"})
    check("kept tokens: a malformed GATEHOUSE_OIDC_TOKEN_KEYS stops the server without echoing it",
          code not in (None, 0) and "GATEHOUSE_OIDC_TOKEN_KEYS" in text and "short-and-secret" not in text, f"exit {code}: {text[-300:]}")


def scenario_settings(world):
    """7: the settings at start."""
    url = world.provider.issuer
    code, text = refused_start(["--oidc", f"test={url}"], {"GATEHOUSE_OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET})
    check("settings: a provider without GATEHOUSE_OIDC_TEST_CLIENT_ID stops the server, naming the variable",
          code not in (None, 0) and "GATEHOUSE_OIDC_TEST_CLIENT_ID" in text, f"exit {code}: {text[-300:]}")
    check("settings: and does not echo the client secret", CLIENT_SECRET not in text)
    code, text = refused_start(["--oidc", f"bad name!={url}"], {"GATEHOUSE_OIDC_TEST_CLIENT_ID": CLIENT_ID})
    check("settings: a provider name outside a-z 0-9 _ - stops the server", code not in (None, 0), f"exit {code}: {text[-300:]}")

    port = free_port()
    external = f"https://localhost:{port}"
    server = Server("external", ["--external-url", external],
                    {"GATEHOUSE_OIDC": f"test={url}", "GATEHOUSE_OIDC_TEST_CLIENT_ID": CLIENT_ID,
                     "GATEHOUSE_OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET})
    world.servers.append(server)
    reply = request(server.url + "/v1/oidc/test/start?return_to=/x")
    check("settings: with GATEHOUSE_OIDC and --external-url the redirect_uri is {external URL}/v1/oidc/test/callback",
          reply.status == 303 and query_of(reply.location).get("redirect_uri") == external + "/v1/oidc/test/callback", reply)
    found = reply.set_cookie(OIDC_COOKIE)
    check("settings: with an https external URL the gatehouse_oidc cookie is Secure", found is not None and found[1].get("secure") is True,
          found)
    server.stop()

    down = f"http://127.0.0.1:{free_port()}"
    try:
        server = Server("unreachable", ["--oidc", f"down={down}"],
                        {"GATEHOUSE_OIDC_DOWN_CLIENT_ID": CLIENT_ID, "GATEHOUSE_OIDC_DOWN_CLIENT_SECRET": CLIENT_SECRET})
    except RuntimeError as error:
        check("settings: a server whose provider is unreachable starts", False, str(error)[-300:])
        return
    world.servers.append(server)
    began = time.monotonic()
    reply = request(server.url + "/v1/oidc/down/start?return_to=/x")
    check("settings: an unreachable provider is 502 ProviderUnavailable", is_error(reply, 502, "ProviderUnavailable"), reply)
    note(f"settings: the 502 for a refused connection took {time.monotonic() - began:.1f} s")
    server.stop()


def scenario_logs(world):
    """8: no secret in any server log."""
    texts = {server.name: server.log() for server in world.servers}
    check("logs: there is something to look at", all(texts.values()) and texts, {n: t.count("\n") for n, t in texts.items()})
    sealing_keys = {entry.split(":", 1)[1] for entry in TOKEN_KEYS.split(",")}
    secrets_ = set(world.provider.issued) | set(world.apple.issued) | {CLIENT_SECRET} | SEEN_TOKENS | sealing_keys
    verifiers = {e.get("verifier") for p in (world.provider, world.apple) for e in p.exchanges if e.get("verifier")}
    key_body = "".join(line for line in world.key_text.splitlines() if "-----" not in line)
    leaks = sorted({(name, secret[:12]) for name, text in texts.items() for secret in secrets_ | verifiers if secret and secret in text})
    check(f"logs: no server log holds an ID token, a code, a client secret, a code_verifier, a session token or a "
          f"gatehouse_oidc cookie "
          f"({len(secrets_ | verifiers)} values)", not leaks, leaks[:6])
    check("logs: nor the Apple private key", not any(key_body[20:60] in text for text in texts.values()))
    signatures = sorted({(name, token[:12]) for token in secrets_ if token.count(".") == 2 and len(token.split(".")[2]) >= 40
                         for name, text in texts.items() if token.split(".")[2] in text})
    check("logs: nor the signature part of an ID token or Apple client secret", not signatures, signatures[:5])


# MARK: - Running

def has_oidc_flags():
    try:
        result = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=60, env=server_environment())
    except OSError:
        return False
    return "--oidc" in result.stdout + result.stderr


def out_of_time(*_):
    raise OutOfTime()


def main():
    # A SIGTERM (a CI timeout) still stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    world = None
    try:
        if not os.environ.get("GATEHOUSE_OIDC_BINARY") and (not os.path.exists(BINARY) or not has_oidc_flags()):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"oidc test: {BINARY}; files in {WORKDIR}")
        signal.signal(signal.SIGALRM, out_of_time)
        signal.alarm(OVERALL_LIMIT)
        world = World()
        world.start_server()
        run(scenario_browser, world)
        run(scenario_refusals, world)
        run(scenario_real_browser, world)
        run(scenario_native, world)
        run(scenario_linking, world)
        run(scenario_apple, world)
        run(scenario_kept_tokens, world)
        run(scenario_rotation, world)
        run(scenario_settings, world)
        for server in world.servers:
            server.stop()
        run(scenario_logs, world)
    except OutOfTime:
        check(f"the run finished within {OVERALL_LIMIT} s", False)
    finally:
        signal.alarm(0)
        for process in PROCESSES:
            stop(process)
        if world:
            world.stop()
        if FAILED and world:
            for server in world.servers:
                print(f"--- the last lines of the {server.name} server's log:\n{server.log_tail()}")
        if KEEP or FAILED:
            print(f"       files kept in {WORKDIR}")
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)
    print(f"       {time.monotonic() - began:.0f} s in all")
    print(f"oidc: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
