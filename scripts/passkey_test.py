#!/usr/bin/env python3
"""Passkeys (WebAuthn) of `gatehouse serve`, end to end: headless Chromium from the Debian packages
(`chromium`, `chromium-driver`) driven by Selenium, each browser with a WebDriver virtual authenticator
(CTAP2, internal transport, resident keys, user verification that succeeds), against real `gatehouse
serve` processes, each on a SQLite file in a temporary folder, reached as http://localhost:<port> (the
relying party id is then `localhost`, the allowed origin http://localhost:<port>).

The pages the ceremonies run on are the server's own (/ui/login): every API call is a `fetch` from that
page, the options go through PublicKeyCredential.parseCreationOptionsFromJSON() /
parseRequestOptionsFromJSON() into navigator.credentials.create() / .get(), and what is posted back is
the credential's toJSON(), as a real page would do it.

Covered, each a named check:
 1. registration: POST /v1/passkeys/registration/options answers exactly the creation options (rp
    localhost, the user handle the account id's bytes, [-8,-7], resident key and user verification
    required, attestation none, a 32-byte challenge); the browser's clientData carries that challenge
    and the page's origin; a credential posted with another session of the account, or with a blank
    name, is refused; with a name it is 201 {"passkey":{"id","name","createdAt"}}, without one the name
    is "Passkey"; GET /v1/passkeys lists exactly it, and only the account's own;
 2. login: after a logout, options without a body name no credential, the authenticator offers its
    discoverable passkey (with the user handle), POST /v1/passkeys/authentication answers a session
    authenticated by ["passkey"] whose bearer token works on GET /v1/me; options for {"username"} name
    the passkey, for an unknown username they look like the discoverable ones; the cookie transport sets
    the HttpOnly session cookie, which works on GET /v1/me;
 3. the same assertion posted again is 401 PasskeyFailed (passkey_challenge);
 4. wrong origin: a second server whose only allowed origin is the first server's (--webauthn-rp-id
    localhost --webauthn-origin http://localhost:<P>) refuses a registration and a login run on its own
    pages (clientData origin http://localhost:<Q>) with PasskeyFailed (origin); as a control, the same
    server accepts a registration run on the allowed origin's page (cross-origin fetch, CORS);
 5. a flipped signature byte is PasskeyFailed (signature), spends the challenge, and does not advance
    the stored sign count (an earlier assertion, lower count, still logs in); an assertion with a
    count lower than one already used is PasskeyFailed (sign_count); fresh assertions keep working;
 6. tampering: clientData challenge (unknown: passkey_challenge; another live one: signature) and
    origin, authenticatorData rpIdHash, UP and UV flags and counter, another account's credential id or
    user handle, no user handle on a discoverable login, a type of webauthn.create, rawId unlike id, a
    signature not base64url: each refused with the documented code and detail, no token; a login
    answering a registration challenge is passkey_challenge; a foreign Origin header is 403
    CSRFRejected before the assertion is looked at (the same assertion then logs in);
 7. DELETE /v1/passkeys/{id}: 404 PasskeyNotFound for an unknown id and for another account's passkey,
    200 {"ok":true} for the account's own, then the list is empty, a second DELETE is 404, a login with
    that credential is PasskeyFailed (unknown_passkey) and options for the username name nothing; a
    deleted account's passkey is unknown_passkey too;
 8. POST /v1/reauthenticate {"passkey"} answers the same session authenticated by ["passkey"] with a
    fresh authenticatedAt; another account's passkey is PasskeyFailed (unknown_passkey); on a server
    with --reauthentication-window 3s a stale session's registration options and DELETE are 401
    ReauthenticationRequired until a passkey reauthentication;
 9. the sign count: the counter in every assertion grows and ends where the virtual authenticator's is;
    GET /v1/passkeys shows lastUsedAt after a login;
10. no server log line holds a challenge (base64url, base64 or hex), a clientDataJSON, a session token or
    a session cookie;
11. registration without a session is 401 Unauthorized (options, registration, list, delete); once a
    passkey is registered, the options' excludeCredentials name it, and the browser refuses to make a
    second one in the same authenticator (InvalidStateError).
12. --passkey-login-limit 3/5m: the fourth options of an address are 429 TooManyAttempts with Retry-After;
13. the account pages, where /ui/assets/gatehouse.js runs the ceremonies: the passkey forms appear, a
    wrong password is shown in the form and makes nothing, the right one adds the passkey (listed by
    name), the login page's passkey button logs in after a logout, and the remove form removes it.
And the activity log has passkey.registered and passkey.removed (details.passkey_id), login.succeeded,
login.failed and session.reauthenticated; a WebAuthn origin not on the relying party id (by flag or by
GATEHOUSE_WEBAUTHN_ORIGIN), or one with a path, stops the server at start.

Knobs (environment): GATEHOUSE_PASSKEY_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built
when missing), GATEHOUSE_PASSKEY_KEEP (set: keep the work folder with the server logs).

Needs the pip package selenium and the Debian packages chromium and chromium-driver. Never downloads a
browser or a driver (Selenium Manager stays offline). Loopback only; every wait is bounded; only the
processes this script started are stopped, by their id (the browsers by quitting their driver).
"""
import base64
import datetime
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

os.environ["SE_OFFLINE"] = "true"   # Selenium Manager must never fetch a browser or a driver

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions
except ImportError:
    raise SystemExit("passkey test: needs selenium: python3 -m pip install selenium")

import testkit
from testkit import answers_health, check, free_port, note, run, server_environment, spawn, stop

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_PASSKEY_BINARY"]) if os.environ.get("GATEHOUSE_PASSKEY_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_PASSKEY_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-passkey.")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

PASSWORD = "correct horse battery staple"
# Session tokens are bound to the client's user agent: every browser of this script sends this one.
USER_AGENT = "passkey-test"
SESSION_COOKIE = "__Host-gatehouse"
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m",
          "--passkey-login-limit", "10000/5m"]
LOGIN_LIMIT = 3         # --passkey-login-limit of the throttled server, per 5 minutes
START_WAIT = 60.0
RELINK_WAIT = 120.0     # a build relinking the binary is waited for this long
SCRIPT_WAIT = 15.0      # every script run in a browser (a fetch, a ceremony)
WINDOW = 3.0            # --reauthentication-window of the step-up server, seconds (the registration fits in it)
STALE_SLEEP = 3.5       # how long the step-up session is left alone
FLAG_UP, FLAG_UV = 0x01, 0x04

SEEN_CHALLENGES = set()   # every challenge a server handed out (base64url)
SEEN_CLIENT_DATA = set()  # every clientDataJSON a browser produced (base64url)
SEEN_TOKENS = set()       # every session token and session cookie this run saw
PROCESSES = []            # every server this script started
BROWSERS = []             # every browser this script started


# MARK: - Encoding

def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()


def client_data(credential):
    """The clientDataJSON of a credential's toJSON(), parsed."""
    return json.loads(b64url_decode(credential["response"]["clientDataJSON"]))


def sign_count(assertion):
    """The counter in an assertion's authenticator data."""
    return int.from_bytes(b64url_decode(assertion["response"]["authenticatorData"])[33:37], "big")


def iso_time(text):
    """Unix seconds of an ISO 8601 date, or None."""
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (AttributeError, TypeError, ValueError):
        return None


def recent(text, within=30.0):
    at = iso_time(text)
    return at is not None and abs(at - time.time()) < within


def is_b64url(text):
    return isinstance(text, str) and text != "" and all(c.isalnum() or c in "-_" for c in text)


# MARK: - Replies

class Reply(testkit.Reply):
    """testkit's Reply, recording the tokens and challenges it carries."""

    def __init__(self, status, headers, raw):
        super().__init__(status, headers, raw)
        for value in (self.header("Auth-Token"), self.field("authToken")):
            if isinstance(value, str) and value:
                SEEN_TOKENS.add(value)
        if isinstance(self.field("challenge"), str):
            SEEN_CHALLENGES.add(self.field("challenge"))

    def session(self):
        value = self.field("session")
        return value if isinstance(value, dict) else {}

    def account(self):
        value = self.field("account")
        return value if isinstance(value, dict) else {}


def is_error(reply, status, code, detail=None):
    return reply.status == status and reply.code == code and (detail is None or reply.detail == detail)


def refused(reply, detail):
    """401 PasskeyFailed with `detail`, and no session handed out."""
    return is_error(reply, 401, "PasskeyFailed", detail) and no_token(reply)


def no_token(reply):
    return not reply.field("authToken") and not reply.header("Auth-Token") and not reply.field("session")


# MARK: - Processes

class Server:
    """One `gatehouse serve` on a free loopback port, reached as http://localhost:<port> (its
    --external-url), on a SQLite file, its standard output and error in a log file of its own."""

    def __init__(self, name, *flags):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir, exist_ok=True)
        self.database = os.path.join(self.dir, "db.sqlite")
        self.log_path = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", self.database,
                     "--external-url", self.origin, "--log-level", "debug", *LIMITS, *flags]
        with open(self.log_path, "ab") as log:
            self.process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=server_environment())
        if not answers_health(self.process, self.port, START_WAIT):
            self.stop()
            raise RuntimeError(f"server {self.name} did not start (exit code {self.process.poll()}): {self.log_tail()}")

    def stop(self):
        stop(self.process)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=20):
        return "\n".join(self.log().splitlines()[-lines:])


FETCH = """
const [method, url, body, headers, cookies, done] = arguments;
const init = {method, headers: Object.assign({}, headers), credentials: cookies ? "include" : "omit"};
if (body !== null) { init.body = body; init.headers["Content-Type"] = "application/json"; }
fetch(url, init)
  .then(async r => done({status: r.status, headers: [...r.headers], text: await r.text()}))
  .catch(e => done({error: String(e)}));
"""

CEREMONY = """
const [kind, options, done] = arguments;
(async () => {
  if (kind === "create") {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    return (await navigator.credentials.create({publicKey})).toJSON();
  }
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  return (await navigator.credentials.get({publicKey})).toJSON();
})().then(credential => done({credential}), e => done({error: e.name + ": " + e.message}));
"""


def post_from_python(server, path, body, origin=None):
    """A JSON POST to `server` from this script (not the browser), asking for a bearer token, with the
    browsers' user agent and the Origin header given."""
    headers = {"User-Agent": USER_AGENT, "Connection": "close", "Content-Type": "application/json",
               "Gatehouse-Transport": "bearer"}
    if origin:
        headers["Origin"] = origin
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


class Browser:
    """One headless Chromium profile (its own --user-data-dir) and its driver, with a virtual
    authenticator of its own, on one server's page at a time."""

    def __init__(self, name):
        self.name = name
        self.server = None
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--user-data-dir={os.path.join(WORKDIR, 'profile-' + name)}", f"--user-agent={USER_AGENT}",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-sync", "--disable-component-update",
                         # Loopback only: any other name is "not found" instead of a request on the network.
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
            options.add_argument(argument)
        service = Service(CHROMEDRIVER, log_output=os.path.join(WORKDIR, f"chromedriver-{name}.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        BROWSERS.append(self)
        self.driver.set_page_load_timeout(SCRIPT_WAIT)
        self.driver.set_script_timeout(SCRIPT_WAIT)
        self.driver.add_virtual_authenticator(VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
            has_user_verification=True, is_user_verified=True))

    def quit(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    def open(self, server, path="/ui/login"):
        """Loads a page of `server`: the scripts then run on its origin."""
        self.server = server
        self.driver.get(server.origin + path)

    def origin(self):
        return self.driver.execute_script("return location.origin")

    def api(self, method, path, body=None, token=None, bearer=False, cookies=False, server=None, raw=None):
        """A fetch from the page: `body` as JSON (or `raw` text), `token` as a bearer token, `bearer` asks
        for Gatehouse-Transport: bearer, `cookies` sends and keeps cookies; to the page's server, or to
        `server` (cross-origin)."""
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if bearer:
            headers["Gatehouse-Transport"] = "bearer"
        url = (server or self.server).origin + path
        text = raw if raw is not None else (json.dumps(body) if body is not None else None)
        result = self.driver.execute_async_script(FETCH, method, url, text, headers, cookies)
        if "error" in result:
            raise RuntimeError(f"fetch {method} {url} failed in the browser: {result['error']}")
        return Reply(result["status"], [tuple(pair) for pair in result["headers"]], result["text"].encode())

    def ceremony(self, kind, options):
        """navigator.credentials.create() or .get() with JSON options: (credential.toJSON(), None) or
        (None, "ErrorName: message")."""
        result = self.driver.execute_async_script(CEREMONY, kind, options)
        credential = result.get("credential")
        if credential:
            SEEN_CLIENT_DATA.add(credential["response"]["clientDataJSON"])
        return credential, result.get("error")

    def credentials(self):
        return self.driver.get_credentials()

    def forget(self, credential_id):
        """Removes a credential (base64url id) from this browser's authenticator."""
        self.driver.remove_credential(credential_id)

    def session_cookie(self):
        for cookie in self.driver.get_cookies():
            if cookie["name"] == SESSION_COOKIE:
                SEEN_TOKENS.add(cookie["value"])
                return cookie
        return None

    # Flows

    def sign_up(self, username):
        reply = self.api("POST", "/v1/accounts", {"username": username, "email": f"{username}@example.com", "password": PASSWORD})
        if reply.status != 201:
            raise RuntimeError(f"sign-up of {username} failed: {reply}")

    def log_in(self, username):
        """A password login asking for a bearer token: the reply."""
        reply = self.api("POST", "/v1/login", {"username": username, "password": PASSWORD}, bearer=True)
        if reply.status != 200 or not reply.field("authToken"):
            raise RuntimeError(f"login of {username} failed: {reply}")
        return reply

    def register(self, token, name=None):
        """Registration options, create(), and the registration: (credential, reply)."""
        options = self.api("POST", "/v1/passkeys/registration/options", token=token)
        if options.status != 200:
            raise RuntimeError(f"registration options failed: {options}")
        credential, error = self.ceremony("create", options.json)
        if credential is None:
            raise RuntimeError(f"navigator.credentials.create() failed: {error}")
        body = dict(credential, name=name) if name is not None else credential
        return credential, self.api("POST", "/v1/passkeys/registration", body, token=token)

    def login_options(self, username=None):
        reply = self.api("POST", "/v1/passkeys/authentication/options", {"username": username} if username else None)
        if reply.status != 200 or not isinstance(reply.field("challenge"), str):
            raise RuntimeError(f"authentication options failed: {reply}")
        return reply.json

    def assertion(self, username=None, options=None):
        """navigator.credentials.get() answering fresh options (for `username`, else discoverable)."""
        credential, error = self.ceremony("get", options or self.login_options(username))
        if credential is None:
            raise RuntimeError(f"navigator.credentials.get() failed: {error}")
        return credential

    def passkey_login(self, assertion, bearer=True, cookies=False):
        return self.api("POST", "/v1/passkeys/authentication", assertion, bearer=bearer, cookies=cookies)

    def events(self, token):
        reply = self.api("GET", "/v1/activity?limit=100", token=token)
        events = reply.field("events")
        if reply.status != 200 or not isinstance(events, list):
            raise RuntimeError(f"GET /v1/activity failed: {reply}")
        return events


# MARK: - Tampering

def changed(assertion, client=None, data=None, response=None, **fields):
    """A deep copy of `assertion` with its clientData changed by `client(dict)`, its authenticator data
    by `data(bytearray)`, response members replaced by `response`, top-level members by `fields`."""
    copy = json.loads(json.dumps(assertion))
    if client:
        parsed = client_data(copy)
        client(parsed)
        copy["response"]["clientDataJSON"] = b64url_encode(json.dumps(parsed, separators=(",", ":")).encode())
    if data:
        raw = bytearray(b64url_decode(copy["response"]["authenticatorData"]))
        data(raw)
        copy["response"]["authenticatorData"] = b64url_encode(raw)
    for name, value in (response or {}).items():
        if value is None:
            copy["response"].pop(name, None)
        else:
            copy["response"][name] = value
    copy.update(fields)
    return copy


def flipped_signature(assertion):
    signature = bytearray(b64url_decode(assertion["response"]["signature"]))
    signature[len(signature) // 2] ^= 0x01
    return changed(assertion, response={"signature": b64url_encode(signature)})


# MARK: - Scenarios

def scenario_unauthenticated(state):
    """11, first half: nothing passkey-related of an account without a session."""
    browser = state["alice_browser"]
    dummy = {"id": "AAAA", "rawId": "AAAA", "type": "public-key",
             "response": {"clientDataJSON": "e30", "attestationObject": "oA"}}
    reply = browser.api("POST", "/v1/passkeys/registration/options")
    check("anonymous: POST /v1/passkeys/registration/options without a session is 401 Unauthorized, no challenge",
          is_error(reply, 401, "Unauthorized") and reply.field("challenge") is None, reply)
    reply = browser.api("POST", "/v1/passkeys/registration", dummy)
    check("anonymous: POST /v1/passkeys/registration without a session is 401 Unauthorized",
          is_error(reply, 401, "Unauthorized"), reply)
    reply = browser.api("POST", "/v1/passkeys/registration/options", token="not-a-session-token")
    check("anonymous: registration options with a made-up bearer token are 401", reply.status == 401, reply)
    reply = browser.api("GET", "/v1/passkeys")
    check("anonymous: GET /v1/passkeys without a session is 401 Unauthorized", is_error(reply, 401, "Unauthorized"), reply)
    reply = browser.api("DELETE", "/v1/passkeys/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    check("anonymous: DELETE /v1/passkeys/{id} without a session is 401 Unauthorized", is_error(reply, 401, "Unauthorized"), reply)


def scenario_registration(state):
    """1 and 11: alice registers a passkey."""
    server, browser = state["main"], state["alice_browser"]
    browser.sign_up("alice")
    login = browser.log_in("alice")
    token = login.field("authToken")
    account_id = login.account().get("accountId")
    other_token = browser.log_in("alice").field("authToken")

    options = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    body = options.json if isinstance(options.json, dict) else {}
    check("register: POST /v1/passkeys/registration/options answers 200 JSON",
          options.status == 200 and (options.header("Content-Type") or "").startswith("application/json"), options)
    check("register: the options have exactly rp, user, challenge, pubKeyCredParams, timeout, excludeCredentials, "
          "authenticatorSelection, attestation",
          set(body) == {"rp", "user", "challenge", "pubKeyCredParams", "timeout", "excludeCredentials",
                        "authenticatorSelection", "attestation"}, sorted(body))
    rp = body.get("rp") or {}
    check("register: rp.id is localhost (the host of --external-url), rp.name a name",
          rp.get("id") == "localhost" and isinstance(rp.get("name"), str) and rp.get("name"), rp)
    user = body.get("user") or {}
    expected_handle = b64url_encode(account_id.encode()) if isinstance(account_id, str) else None
    check("register: user is {id: base64url of the account id's bytes, name: alice, displayName}",
          set(user) == {"id", "name", "displayName"} and user.get("id") == expected_handle and user.get("name") == "alice",
          f"{user} (account id {account_id})")
    challenge = body.get("challenge")
    check("register: the challenge is base64url (no padding) of 32 bytes",
          is_b64url(challenge) and len(b64url_decode(challenge)) == 32, challenge)
    check("register: pubKeyCredParams are EdDSA (-8) then ES256 (-7), public-key",
          body.get("pubKeyCredParams") == [{"type": "public-key", "alg": -8}, {"type": "public-key", "alg": -7}],
          body.get("pubKeyCredParams"))
    check("register: timeout is a positive number of milliseconds",
          isinstance(body.get("timeout"), int) and body["timeout"] >= 1000, body.get("timeout"))
    check("register: excludeCredentials is empty (no passkey yet)", body.get("excludeCredentials") == [], body.get("excludeCredentials"))
    selection = body.get("authenticatorSelection") or {}
    check("register: authenticatorSelection asks for a resident key and user verification (required)",
          selection.get("residentKey") == "required" and selection.get("userVerification") == "required", selection)
    check("register: attestation is none", body.get("attestation") == "none", body.get("attestation"))

    # A credential made for this session's challenge, posted with another session of the same account.
    first, error = browser.ceremony("create", body)
    check("register: navigator.credentials.create() with the parsed options makes a credential", first is not None, error)
    if first is None:
        return
    data = client_data(first)
    check("register: its clientData is webauthn.create with the server's challenge and origin http://localhost:<P>",
          data.get("type") == "webauthn.create" and data.get("challenge") == challenge and data.get("origin") == server.origin,
          data)
    reply = browser.api("POST", "/v1/passkeys/registration", dict(first, name="Laptop"), token=other_token)
    check("register: posted with another session of the account it is 401 PasskeyFailed (passkey_challenge)",
          is_error(reply, 401, "PasskeyFailed", "passkey_challenge"), reply)
    reply = browser.api("GET", "/v1/passkeys", token=token)
    check("register: and nothing was registered", reply.status == 200 and reply.field("passkeys") == [], reply)
    browser.forget(first["id"])
    check("register: (the refused credential removed from the authenticator)", browser.credentials() == [],
          len(browser.credentials()))

    options = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    credential, error = browser.ceremony("create", options.json)
    if credential is None:
        raise RuntimeError(f"create() failed: {error}")
    check("register: each options call has a new challenge", options.field("challenge") != challenge, options.field("challenge"))
    reply = browser.api("POST", "/v1/passkeys/registration", dict(credential, name="   "), token=token)
    check("register: a blank name is 400 InvalidRequest (name)", is_error(reply, 400, "InvalidRequest", "name"), reply)
    began = time.time()
    reply = browser.api("POST", "/v1/passkeys/registration", dict(credential, name="Laptop"), token=token)
    passkey = reply.field("passkey") if isinstance(reply.field("passkey"), dict) else {}
    check("register: POST /v1/passkeys/registration with the credential and a name answers 201",
          reply.status == 201, reply)
    check("register: exactly {\"passkey\":{\"id\",\"name\",\"createdAt\"}}",
          set(reply.json or {}) == {"passkey"} and set(passkey) == {"id", "name", "createdAt"}, reply)
    check("register: name Laptop, a createdAt of now, an id",
          passkey.get("name") == "Laptop" and recent(passkey.get("createdAt")) and isinstance(passkey.get("id"), str)
          and passkey.get("id"), passkey)
    note(f"registration took {time.time() - began:.2f} s")
    state["alice"] = {"token": token, "account_id": account_id, "handle": expected_handle, "credential": credential["id"],
                      "passkey": passkey.get("id"), "created": passkey.get("createdAt")}

    reply = browser.api("POST", "/v1/passkeys/registration", dict(credential, name="Laptop"), token=token)
    check("register: the same registration posted again is 401 PasskeyFailed (passkey_challenge): challenges are single use",
          is_error(reply, 401, "PasskeyFailed", "passkey_challenge"), reply)
    reply = browser.api("GET", "/v1/passkeys", token=token)
    check("register: GET /v1/passkeys lists exactly the registered passkey (no lastUsedAt yet)",
          reply.status == 200 and reply.json == {"passkeys": [passkey]}, reply)

    authenticator = browser.credentials()
    check("register: the authenticator holds one resident credential for rp localhost with the account's user handle",
          len(authenticator) == 1 and authenticator[0].rp_id == "localhost" and authenticator[0].is_resident_credential
          and authenticator[0].id.rstrip("=") == credential["id"]
          and b64url_decode(authenticator[0].user_handle or "") == (account_id or "").encode(),
          [(c.rp_id, c.is_resident_credential, c.user_handle) for c in authenticator])

    options = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    check("register: now the options' excludeCredentials name it",
          options.status == 200 and options.field("excludeCredentials") == [{"type": "public-key", "id": credential["id"]}],
          options)
    again, error = browser.ceremony("create", options.json)
    check("register: and create() in the authenticator holding it fails with InvalidStateError",
          again is None and (error or "").startswith("InvalidStateError"), error or again and again.get("id"))
    check("register: the authenticator still holds one credential", len(browser.credentials()) == 1, len(browser.credentials()))


def scenario_second_account(state):
    """1: bob, in a browser of his own, registers a passkey without a name."""
    browser = state["bob_browser"]
    browser.sign_up("bob")
    login = browser.log_in("bob")
    token = login.field("authToken")
    credential, reply = browser.register(token)
    passkey = reply.field("passkey") or {}
    check("bob: a registration without a name answers 201 with name \"Passkey\"",
          reply.status == 201 and passkey.get("name") == "Passkey", reply)
    listed = browser.api("GET", "/v1/passkeys", token=token)
    check("bob: GET /v1/passkeys lists his passkey only (not alice's)",
          listed.status == 200 and [p.get("id") for p in listed.field("passkeys") or []] == [passkey.get("id")], listed)
    state["bob"] = {"token": token, "account_id": login.account().get("accountId"), "credential": credential["id"],
                    "passkey": passkey.get("id"), "handle": b64url_encode((login.account().get("accountId") or "").encode())}


def scenario_login(state):
    """2, 3 and 9: logging in with the passkey."""
    server, browser, alice = state["main"], state["alice_browser"], state["alice"]
    reply = browser.api("POST", "/v1/logout", token=alice["token"])
    check("login: POST /v1/logout of the registering session answers 200", reply.status == 200, reply)
    reply = browser.api("GET", "/v1/me", token=alice["token"])
    check("login: its token no longer works (GET /v1/me 401)", reply.status == 401, reply)
    browser.driver.delete_all_cookies()
    browser.open(server)

    reply = browser.api("POST", "/v1/passkeys/authentication/options")
    options = reply.json if isinstance(reply.json, dict) else {}
    check("login: POST /v1/passkeys/authentication/options without a body answers 200 JSON",
          reply.status == 200 and (reply.header("Content-Type") or "").startswith("application/json"), reply)
    check("login: exactly challenge, timeout, rpId, allowCredentials, userVerification",
          set(options) == {"challenge", "timeout", "rpId", "allowCredentials", "userVerification"}, sorted(options))
    check("login: rpId localhost, allowCredentials empty (discoverable), userVerification required, a 32-byte challenge",
          options.get("rpId") == "localhost" and options.get("allowCredentials") == [] and options.get("userVerification") == "required"
          and is_b64url(options.get("challenge")) and len(b64url_decode(options["challenge"])) == 32
          and isinstance(options.get("timeout"), int) and options["timeout"] > 0, options)
    assertion, error = browser.ceremony("get", options)
    check("login: navigator.credentials.get() answers with the discoverable passkey", assertion is not None
          and assertion.get("id") == alice["credential"], error or assertion and assertion.get("id"))
    if assertion is None:
        return
    data = client_data(assertion)
    check("login: its clientData is webauthn.get with the options' challenge and origin http://localhost:<P>",
          data.get("type") == "webauthn.get" and data.get("challenge") == options["challenge"] and data.get("origin") == server.origin, data)
    check("login: and its userHandle is the user id of the registration options",
          assertion["response"].get("userHandle") == alice["handle"], assertion["response"].get("userHandle"))
    counts = [sign_count(assertion)]
    reply = browser.passkey_login(assertion)
    token = reply.field("authToken")
    check("login: POST /v1/passkeys/authentication answers 200 with authToken, session and account alice",
          reply.status == 200 and isinstance(token, str) and token and reply.account().get("username") == "alice", reply)
    check("login: the session's authenticationMethods are [\"passkey\"], authenticatedAt now",
          reply.session().get("authenticationMethods") == ["passkey"] and recent(reply.session().get("authenticatedAt")),
          reply.session())
    me = browser.api("GET", "/v1/me", token=token)
    check("login: the token works: GET /v1/me answers 200 for alice", me.status == 200 and me.account().get("username") == "alice", me)

    reply = browser.passkey_login(assertion)
    check("login: the same assertion posted again is 401 PasskeyFailed (passkey_challenge), no token",
          refused(reply, "passkey_challenge"), reply)
    error = reply.field("error") or {}
    check("login: the error body is exactly {\"error\":{\"code\",\"detail\",\"message\"}}, a message in words",
          set(reply.json or {}) == {"error"} and set(error) == {"code", "detail", "message"}
          and isinstance(error.get("message"), str) and len(error["message"].split()) >= 3, reply)

    reply = browser.api("GET", "/v1/passkeys", token=token)
    listed = (reply.field("passkeys") or [{}])[0]
    check("login: GET /v1/passkeys now shows lastUsedAt, of now, not before createdAt",
          recent(listed.get("lastUsedAt")) and iso_time(listed.get("lastUsedAt")) >= iso_time(alice["created"]), listed)
    check("login: the passkey's id, name and createdAt are unchanged",
          listed.get("id") == alice["passkey"] and listed.get("name") == "Laptop" and listed.get("createdAt") == alice["created"], listed)

    named = browser.api("POST", "/v1/passkeys/authentication/options", {"username": "alice"})
    check("login: options for {\"username\":\"alice\"} name her passkey in allowCredentials",
          named.status == 200 and named.field("allowCredentials") == [{"type": "public-key", "id": alice["credential"]}]
          and named.field("rpId") == "localhost", named)
    if named.status == 200:
        assertion = browser.assertion(options=named.json)
        counts.append(sign_count(assertion))
        reply = browser.passkey_login(assertion)
        check("login: answering them logs in (200, [\"passkey\"])",
              reply.status == 200 and reply.field("authToken") and reply.session().get("authenticationMethods") == ["passkey"], reply)
    unknown = browser.api("POST", "/v1/passkeys/authentication/options", {"username": "nobody"})
    check("login: options for an unknown username look like the discoverable ones (200, allowCredentials empty)",
          unknown.status == 200 and unknown.field("allowCredentials") == [] and set(unknown.json or {}) == set(options), unknown)
    bob_named = browser.api("POST", "/v1/passkeys/authentication/options", {"username": "bob"})
    check("login: options for bob name only bob's passkey",
          bob_named.field("allowCredentials") == [{"type": "public-key", "id": state["bob"]["credential"]}], bob_named)

    # The cookie transport: no Gatehouse-Transport header, cookies kept by the browser.
    assertion = browser.assertion()
    counts.append(sign_count(assertion))
    reply = browser.passkey_login(assertion, bearer=False, cookies=True)
    cookie = browser.session_cookie()
    check("login: with the cookie transport the login answers 200 and sets the session cookie, HttpOnly",
          reply.status == 200 and cookie is not None and cookie.get("httpOnly") is True,
          f"{reply}; cookie {cookie and {k: v for k, v in cookie.items() if k != 'value'}}")
    me = browser.api("GET", "/v1/me", cookies=True)
    check("login: the cookie works: GET /v1/me with it alone answers 200 for alice",
          me.status == 200 and me.account().get("username") == "alice", me)
    browser.driver.delete_all_cookies()

    check("login: the counter of each assertion grows", counts == sorted(set(counts)) and counts[0] >= 1, counts)
    authenticator = browser.credentials()
    check("login: the virtual authenticator's count is the last assertion's",
          len(authenticator) == 1 and authenticator[0].sign_count == counts[-1], f"{[c.sign_count for c in authenticator]} vs {counts}")
    state["alice"]["login_token"] = token


def scenario_signature(state):
    """5: a flipped signature, and counters."""
    browser = state["alice_browser"]
    early = browser.assertion()
    late = browser.assertion()
    check("signature: two assertions, the second with the higher count", sign_count(late) > sign_count(early),
          (sign_count(early), sign_count(late)))
    reply = browser.passkey_login(flipped_signature(late))
    check("signature: the later one with a flipped signature byte is 401 PasskeyFailed (signature), no token",
          refused(reply, "signature"), reply)
    reply = browser.passkey_login(early)
    check("signature: the earlier one (lower count) still logs in: the refused one did not advance the stored count",
          reply.status == 200 and reply.field("authToken") and reply.session().get("authenticationMethods") == ["passkey"], reply)
    reply = browser.passkey_login(late)
    check("signature: the later one, untampered now, is 401 PasskeyFailed (passkey_challenge): the refusal spent its challenge",
          refused(reply, "passkey_challenge"), reply)
    reply = browser.passkey_login(browser.assertion())
    check("signature: a fresh assertion logs in", reply.status == 200 and reply.field("authToken"), reply)

    older = browser.assertion()
    newer = browser.assertion()
    reply = browser.passkey_login(newer)
    check("sign count: the newer of two assertions logs in", reply.status == 200 and reply.field("authToken"), reply)
    reply = browser.passkey_login(older)
    check("sign count: then the older one (its own unused challenge, a lower count) is 401 PasskeyFailed (sign_count)",
          refused(reply, "sign_count"), reply)
    reply = browser.passkey_login(browser.assertion())
    check("sign count: a fresh assertion still logs in", reply.status == 200 and reply.field("authToken"), reply)


def scenario_tampering(state):
    """6: assertions changed after the authenticator signed them."""
    browser, bob = state["alice_browser"], state["bob"]
    other = browser.login_options()   # a live challenge, never answered

    def set_challenge(value):
        return lambda data: data.__setitem__("challenge", value)

    def clear(flag):
        def change(raw):
            raw[32] &= ~flag & 0xFF
        return change

    def add_to_count(raw):
        raw[33:37] = (int.from_bytes(raw[33:37], "big") + 1000).to_bytes(4, "big")

    def flip_rp_hash(raw):
        raw[0] ^= 0x01

    cases = [
        ("clientData challenge replaced by an unknown one", lambda a: changed(a, client=set_challenge(b64url_encode(os.urandom(32)))),
         401, "PasskeyFailed", "passkey_challenge"),
        ("clientData challenge replaced by another live one (the signature covers the clientData)",
         lambda a: changed(a, client=set_challenge(other["challenge"])), 401, "PasskeyFailed", "signature"),
        ("clientData origin http://localhost:1", lambda a: changed(a, client=lambda d: d.__setitem__("origin", "http://localhost:1")),
         401, "PasskeyFailed", "origin"),
        ("clientData crossOrigin true", lambda a: changed(a, client=lambda d: d.__setitem__("crossOrigin", True)),
         401, "PasskeyFailed", "origin"),
        ("clientData type webauthn.create", lambda a: changed(a, client=lambda d: d.__setitem__("type", "webauthn.create")),
         400, "InvalidRequest", "credential"),
        ("authenticatorData rpIdHash with a flipped bit", lambda a: changed(a, data=flip_rp_hash), 401, "PasskeyFailed", "rp_id"),
        ("authenticatorData without the UP flag", lambda a: changed(a, data=clear(FLAG_UP)), 401, "PasskeyFailed", "user_presence"),
        ("authenticatorData without the UV flag", lambda a: changed(a, data=clear(FLAG_UV)), 401, "PasskeyFailed", "user_verification"),
        ("authenticatorData counter raised by 1000", lambda a: changed(a, data=add_to_count), 401, "PasskeyFailed", "signature"),
        ("id and rawId of bob's passkey", lambda a: changed(a, id=bob["credential"], rawId=bob["credential"]),
         401, "PasskeyFailed", "unknown_passkey"),
        ("userHandle of bob", lambda a: changed(a, response={"userHandle": bob["handle"]}), 401, "PasskeyFailed", "unknown_passkey"),
        ("no userHandle on a discoverable login", lambda a: changed(a, response={"userHandle": None}),
         401, "PasskeyFailed", "unknown_passkey"),
        ("rawId unlike id", lambda a: changed(a, rawId=b64url_encode(os.urandom(32))), 400, "InvalidRequest", "credential"),
        ("a signature that is not base64url", lambda a: changed(a, response={"signature": "%%not base64%%"}),
         400, "InvalidRequest", "credential"),
    ]
    for name, tamper, status, code, detail in cases:
        reply = browser.passkey_login(tamper(browser.assertion()))
        check(f"tamper: {name}: {status} {code} ({detail}), no token", is_error(reply, status, code, detail) and no_token(reply), reply)

    # A registration challenge answered by a login ceremony: the browser signs it, the server refuses it.
    token = browser.log_in("alice").field("authToken")
    registration = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    if registration.status == 200:
        options = {"challenge": registration.field("challenge"), "timeout": 60000, "rpId": "localhost",
                   "allowCredentials": [], "userVerification": "required"}
        reply = browser.passkey_login(browser.assertion(options=options))
        check("tamper: a login answering a registration challenge (signed by the browser) is 401 PasskeyFailed "
              "(passkey_challenge), no token", refused(reply, "passkey_challenge"), reply)
    else:
        check("tamper: registration options for the cross-ceremony check", False, registration)

    # The request's Origin header is checked like a password login's, before the assertion is looked at.
    assertion = browser.assertion()
    reply = post_from_python(state["main"], "/v1/passkeys/authentication", assertion, origin="http://evil.example")
    check("tamper: the assertion posted with Origin: http://evil.example is 403 CSRFRejected, no token",
          is_error(reply, 403, "CSRFRejected") and no_token(reply), reply)
    reply = browser.passkey_login(assertion)
    check("tamper: the same assertion from the page then logs in (the refused request spent nothing)",
          reply.status == 200 and reply.field("authToken"), reply)
    reply = browser.passkey_login(browser.assertion())
    check("tamper: after all that a fresh untampered assertion logs in", reply.status == 200 and reply.field("authToken"), reply)


def scenario_cross_account(state):
    """6 and 8: bob's passkey answering alice's challenges."""
    alice_browser, bob_browser = state["alice_browser"], state["bob_browser"]
    named = alice_browser.login_options("alice")
    # Bob's authenticator holds no credential the options name: his page drops the list, as a
    # malicious page could, and answers with his own.
    assertion = bob_browser.assertion(options=dict(named, allowCredentials=[]))
    reply = bob_browser.passkey_login(assertion)
    check("cross-account: bob's passkey answering options issued for alice's passkeys is 401 PasskeyFailed (unknown_passkey)",
          refused(reply, "unknown_passkey"), reply)

    token = alice_browser.log_in("alice").field("authToken")
    assertion = bob_browser.assertion()
    reply = bob_browser.api("POST", "/v1/reauthenticate", {"passkey": assertion}, token=token)
    check("reauthenticate: alice's session with bob's passkey is 401 PasskeyFailed (unknown_passkey)",
          is_error(reply, 401, "PasskeyFailed", "unknown_passkey") and reply.field("session") is None, reply)
    reply = alice_browser.api("GET", "/v1/me", token=token)
    check("reauthenticate: alice's session still works after the refusal", reply.status == 200, reply)


def scenario_reauthenticate(state):
    """8: POST /v1/reauthenticate with a passkey."""
    browser = state["alice_browser"]
    login = browser.log_in("alice")
    token = login.field("authToken")
    login_at = iso_time(login.session().get("authenticatedAt"))
    time.sleep(1.1)   # authenticatedAt is in whole seconds: the renewed one must be later
    assertion = browser.assertion("alice")
    reply = browser.api("POST", "/v1/reauthenticate", {"passkey": assertion}, token=token)
    session = reply.session()
    check("reauthenticate: POST /v1/reauthenticate {\"passkey\": assertion} answers 200 {session}",
          reply.status == 200 and set(reply.json or {}) == {"session"}, reply)
    check("reauthenticate: authenticationMethods [\"passkey\"]", session.get("authenticationMethods") == ["passkey"], session)
    at = iso_time(session.get("authenticatedAt"))
    check("reauthenticate: a fresh authenticatedAt, later than the password login's",
          at is not None and login_at is not None and at > login_at and recent(session.get("authenticatedAt"), 5),
          f"{session.get('authenticatedAt')} vs {login.session().get('authenticatedAt')}")
    check("reauthenticate: the same session (its id unchanged)",
          session.get("id") is not None and session.get("id") == login.session().get("id"), (session.get("id"), login.session().get("id")))
    me = browser.api("GET", "/v1/me", token=token)
    check("reauthenticate: the token keeps working", me.status == 200, me)
    reply = browser.api("POST", "/v1/reauthenticate", {"passkey": assertion}, token=token)
    check("reauthenticate: the same assertion again is 401 PasskeyFailed (passkey_challenge)",
          is_error(reply, 401, "PasskeyFailed", "passkey_challenge"), reply)
    reply = browser.api("POST", "/v1/reauthenticate", {"passkey": browser.assertion(), "password": PASSWORD}, token=token)
    check("reauthenticate: a passkey and a password together are 400 InvalidRequest", is_error(reply, 400, "InvalidRequest"), reply)


def scenario_step_up(state):
    """8: a stale session needs a reauthentication, which a passkey gives."""
    server, browser = state["stepup"], state["stepup_browser"]
    browser.open(server)
    browser.sign_up("stan")
    token = browser.log_in("stan").field("authToken")
    credential, reply = browser.register(token, "Phone")
    check("step-up: a registration right after the login answers 201", reply.status == 201, reply)
    passkey = (reply.field("passkey") or {}).get("id")
    time.sleep(STALE_SLEEP)
    reply = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    check("step-up: on a session older than the window registration options are 401 ReauthenticationRequired, no challenge",
          is_error(reply, 401, "ReauthenticationRequired") and reply.field("challenge") is None, reply)
    reply = browser.api("DELETE", f"/v1/passkeys/{passkey}", token=token)
    check("step-up: and DELETE /v1/passkeys/{id} is 401 ReauthenticationRequired", is_error(reply, 401, "ReauthenticationRequired"), reply)
    reply = browser.api("POST", "/v1/reauthenticate", {"passkey": browser.assertion("stan")}, token=token)
    check("step-up: POST /v1/reauthenticate with the passkey answers 200, [\"passkey\"]",
          reply.status == 200 and reply.session().get("authenticationMethods") == ["passkey"], reply)
    reply = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    check("step-up: then registration options answer 200, excluding the passkey",
          reply.status == 200 and reply.field("excludeCredentials") == [{"type": "public-key", "id": credential["id"]}], reply)
    reply = browser.api("DELETE", f"/v1/passkeys/{passkey}", token=token)
    check("step-up: and the DELETE answers 200 {\"ok\":true}", reply.status == 200 and reply.json == {"ok": True}, reply)


def scenario_wrong_origin(state):
    """4: a server whose only allowed origin is another one."""
    main, other, browser = state["main"], state["other"], state["alice_browser"]
    browser.open(other)
    check("origin: the browser runs on the second server's page, http://localhost:<Q>", browser.origin() == other.origin, browser.origin())
    browser.sign_up("eve")
    token = browser.log_in("eve").field("authToken")
    options = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    check("origin: the second server's registration options have rp.id localhost (--webauthn-rp-id)",
          options.status == 200 and (options.field("rp") or {}).get("id") == "localhost", options)
    credential, error = browser.ceremony("create", options.json)
    check("origin: the browser makes a credential on that page", credential is not None, error)
    if credential is not None:
        origin = client_data(credential).get("origin")
        check("origin: its clientData origin is http://localhost:<Q>", origin == other.origin, origin)
        reply = browser.api("POST", "/v1/passkeys/registration", credential, token=token)
        check("origin: the registration is 401 PasskeyFailed (origin): only http://localhost:<P> is allowed",
              is_error(reply, 401, "PasskeyFailed", "origin") and reply.field("passkey") is None, reply)
        reply = browser.api("GET", "/v1/passkeys", token=token)
        check("origin: nothing was registered", reply.status == 200 and reply.field("passkeys") == [], reply)
        browser.forget(credential["id"])

    # Alice's passkey (rp id localhost, registered on the first server) answering the second's options.
    assertion = browser.assertion()
    origin = client_data(assertion).get("origin")
    check("origin: on the second server's page the authenticator answers with alice's passkey, origin http://localhost:<Q>",
          assertion.get("id") == state["alice"]["credential"] and origin == other.origin, (assertion.get("id"), origin))
    reply = browser.passkey_login(assertion)
    check("origin: the second server refuses the login with 401 PasskeyFailed (origin), no token", refused(reply, "origin"), reply)

    # The control: a page of the allowed origin runs the ceremony against the second server, with
    # cross-origin fetches (CORS). Not /ui/login: its Content-Security-Policy (connect-src 'self') keeps
    # its scripts to their own server; /health, a JSON document, has none.
    browser.open(main, "/health")
    login = browser.api("POST", "/v1/login", {"username": "eve", "password": PASSWORD}, bearer=True, server=other)
    check("origin: from a page of the allowed origin, a cross-origin login on the second server answers 200",
          login.status == 200 and login.field("authToken"), login)
    token = login.field("authToken")
    if not token:
        return
    options = browser.api("POST", "/v1/passkeys/registration/options", token=token, server=other)
    credential, error = browser.ceremony("create", options.json) if options.status == 200 else (None, str(options))
    check("origin: its registration options, and create() on the allowed origin's page", credential is not None, error)
    if credential is None:
        return
    reply = browser.api("POST", "/v1/passkeys/registration", credential, token=token, server=other)
    check("origin: that registration is accepted by the second server (201): the allowed origin works",
          reply.status == 201 and (reply.field("passkey") or {}).get("name") == "Passkey", reply)
    browser.forget(credential["id"])
    check("origin: (eve's credentials removed from the authenticator: alice's alone is left)",
          [c.id.rstrip("=") for c in browser.credentials()] == [state["alice"]["credential"]], len(browser.credentials()))


def scenario_removal(state):
    """7 and the activity log."""
    browser, alice, bob = state["alice_browser"], state["alice"], state["bob"]
    token = browser.log_in("alice").field("authToken")
    reply = browser.api("DELETE", "/v1/passkeys/01ARZ3NDEKTSV4RRFFQ69G5FAV", token=token)
    check("remove: DELETE of an unknown id is 404 PasskeyNotFound", is_error(reply, 404, "PasskeyNotFound"), reply)
    reply = browser.api("DELETE", f"/v1/passkeys/{bob['passkey']}", token=token)
    check("remove: DELETE of bob's passkey with alice's session is 404 PasskeyNotFound", is_error(reply, 404, "PasskeyNotFound"), reply)
    reply = state["bob_browser"].api("GET", "/v1/passkeys", token=bob["token"])
    check("remove: bob's passkey is still there", [p.get("id") for p in reply.field("passkeys") or []] == [bob["passkey"]], reply)
    reply = browser.api("DELETE", f"/v1/passkeys/{alice['passkey']}", token=token)
    check("remove: DELETE of her own passkey on a fresh session answers 200 {\"ok\":true}",
          reply.status == 200 and reply.json == {"ok": True}, reply)
    reply = browser.api("GET", "/v1/passkeys", token=token)
    check("remove: GET /v1/passkeys is then {\"passkeys\":[]}", reply.status == 200 and reply.json == {"passkeys": []}, reply)
    reply = browser.api("DELETE", f"/v1/passkeys/{alice['passkey']}", token=token)
    check("remove: a second DELETE is 404 PasskeyNotFound", is_error(reply, 404, "PasskeyNotFound"), reply)
    assertion = browser.assertion()
    check("remove: the authenticator still answers with the removed credential",
          assertion.get("id") == alice["credential"], assertion.get("id"))
    reply = browser.passkey_login(assertion)
    check("remove: a login with it is 401 PasskeyFailed (unknown_passkey), no token", refused(reply, "unknown_passkey"), reply)
    reply = browser.api("POST", "/v1/passkeys/authentication/options", {"username": "alice"})
    check("remove: options for alice name no passkey any more", reply.status == 200 and reply.field("allowCredentials") == [], reply)
    reply = browser.api("POST", "/v1/passkeys/registration/options", token=token)
    check("remove: registration options exclude nothing any more", reply.status == 200 and reply.field("excludeCredentials") == [], reply)

    events = browser.events(token)
    types = [event.get("type") for event in events]
    note(f"alice's activity: {types}")

    def with_passkey(kind):
        return [e for e in events if e.get("type") == kind and (e.get("details") or {}).get("passkey_id") == alice["passkey"]]
    check("activity: passkey.registered with details.passkey_id", len(with_passkey("passkey.registered")) == 1,
          [e for e in events if e.get("type") == "passkey.registered"])
    check("activity: passkey.removed with details.passkey_id", len(with_passkey("passkey.removed")) == 1,
          [e for e in events if e.get("type") == "passkey.removed"])
    logins = [e for e in events if e.get("type") == "login.succeeded"]
    check("activity: login.succeeded, some of them by passkey",
          any((e.get("details") or {}).get("method") == "passkey" for e in logins), logins[:3])
    failed = [e for e in events if e.get("type") == "login.failed"]
    check("activity: login.failed for the refused assertions (details.reason passkey)",
          any((e.get("details") or {}).get("reason") == "passkey" for e in failed), failed[:3])
    check("activity: session.reauthenticated", "session.reauthenticated" in types, types)
    check("activity: no passkey.registered for the refused registrations (one in all)",
          types.count("passkey.registered") == 1, types.count("passkey.registered"))


def scenario_deleted_account(state):
    """7: a deleted account's passkeys go with it."""
    browser = state["bob_browser"]
    token = browser.log_in("bob").field("authToken")
    reply = browser.api("DELETE", "/v1/accounts/me", {"password": PASSWORD}, token=token)
    check("deleted: bob deletes his account (200)", reply.status == 200, reply)
    assertion = browser.assertion()
    check("deleted: his authenticator still answers with his credential", assertion.get("id") == state["bob"]["credential"],
          assertion.get("id"))
    reply = browser.passkey_login(assertion)
    check("deleted: a login with it is 401 PasskeyFailed (unknown_passkey), no token", refused(reply, "unknown_passkey"), reply)
    reply = browser.api("POST", "/v1/passkeys/authentication/options", {"username": "bob"})
    check("deleted: options for bob name no passkey", reply.status == 200 and reply.field("allowCredentials") == [], reply)


def scenario_configuration(state):
    """The relying party settings are checked at start: an origin not on the relying party id, by flag
    or by environment variable, stops the server before it listens."""
    outside = "is not on the relying party id"
    cases = [
        ("--webauthn-origin http://evil.test (relying party id localhost)", ["--webauthn-origin", "http://evil.test"], {}, outside),
        ("--webauthn-rp-id example.com with --external-url http://localhost:<port>", ["--webauthn-rp-id", "example.com"], {}, outside),
        ("GATEHOUSE_WEBAUTHN_ORIGIN=http://evil.test", [], {"GATEHOUSE_WEBAUTHN_ORIGIN": "http://evil.test"}, outside),
        ("--webauthn-origin with a path", ["--webauthn-origin", "http://localhost:1/ui"], {}, "is not an origin"),
    ]
    for index, (name, flags, settings, reason) in enumerate(cases):
        folder = os.path.join(WORKDIR, f"config-{index}")
        os.makedirs(folder)
        port = free_port()
        arguments = [BINARY, "serve", "--port", str(port), "--database", os.path.join(folder, "db.sqlite"),
                     "--external-url", f"http://localhost:{port}", *flags]
        process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, env=server_environment(**settings))
        try:
            output, _ = process.communicate(timeout=START_WAIT)
        except subprocess.TimeoutExpired:
            stop(process)
            output = b"(still running)"
        text = output.decode(errors="replace")
        check(f"config: {name}: the server refuses to start (exit status not 0), saying it {reason}",
              process.returncode not in (0, None) and reason in text,
              f"exit {process.returncode}: {text.strip()[-300:]}")


def scenario_throttle(state):
    """Starting a passkey login stores a challenge and needs no account: an address may start
    --passkey-login-limit of them, then 429 with Retry-After, and no challenge is stored."""
    server = state["throttled"]
    browser = state["alice_browser"]
    browser.open(server)
    answers = [browser.api("POST", "/v1/passkeys/authentication/options") for _ in range(LOGIN_LIMIT + 1)]
    check(f"throttle: the first {LOGIN_LIMIT} options of an address are 200", all(a.status == 200 for a in answers[:LOGIN_LIMIT]),
          [a.status for a in answers])
    last = answers[-1]
    check("throttle: the next one is 429 TooManyAttempts with Retry-After and no challenge",
          is_error(last, 429, "TooManyAttempts") and (last.header("Retry-After") or "").isdigit() and "challenge" not in last.raw.decode(errors="replace"),
          last)
    browser.open(state["main"])


def scenario_pages(state):
    """The account pages in the browser, where gatehouse.js runs the ceremonies: sign up, add a passkey
    (a wrong password first), log out, log in with it from the login page, remove it."""
    server = state["main"]
    browser = state["carol_browser"]
    driver = browser.driver
    wait = WebDriverWait(driver, SCRIPT_WAIT)

    def submit(form_id, fields):
        form = driver.find_element(By.ID, form_id)
        for name, value in fields.items():
            element = form.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    def arrived(fragment):
        try:
            wait.until(lambda d: fragment in d.current_url)
            return True
        except TimeoutException:
            return False

    browser.open(server, "/ui/signup")
    submit("signup-form", {"username": "carol", "email": "carol@example.com", "password": PASSWORD})
    check("pages: signing up lands on the account page", arrived("/ui/account"), driver.current_url)
    add = driver.find_element(By.ID, "passkey-add-form")
    check("pages: the script shows the passkey form on the account page", add.is_displayed())

    submit("passkey-add-form", {"passkey_name": "Work tablet", "passkey_password": "not the password"})
    alert = add.find_element(By.CLASS_NAME, "passkey-alert")
    try:
        wait.until(lambda d: alert.is_displayed())
    except TimeoutException:
        pass
    check("pages: a wrong password shows words in the form and makes no passkey",
          alert.is_displayed() and alert.text == "That is not your password." and not browser.credentials(), alert.text)

    submit("passkey-add-form", {"passkey_name": "Work tablet", "passkey_password": PASSWORD})
    check("pages: the right password makes a passkey and comes back with the notice", arrived("notice=passkey_added"),
          driver.current_url)
    body = driver.find_element(By.TAG_NAME, "main").text
    check("pages: the account page lists it by name", "Work tablet" in body and "last used Never" in body, body[:400])
    check("pages: the authenticator holds one discoverable credential", len(browser.credentials()) == 1)

    driver.find_element(By.CSS_SELECTOR, "form[action='/ui/logout'] button").click()
    check("pages: logged out", arrived("notice=signed_out"), driver.current_url)
    login = driver.find_element(By.ID, "passkey-login-form")
    check("pages: the login page shows the passkey button", login.is_displayed())
    login.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    check("pages: the passkey logs in to the account page", arrived("/ui/account") and "notice" not in driver.current_url,
          driver.current_url)
    check("pages: signed in as carol, by the session cookie", "carol" in driver.find_element(By.TAG_NAME, "main").text
          and browser.session_cookie() is not None)

    submit("passkey-remove-form", {"remove_password": PASSWORD})
    check("pages: removing it with the password comes back with the notice", arrived("notice=passkey_removed"),
          driver.current_url)
    check("pages: the account page no longer lists it", "Work tablet" not in driver.find_element(By.TAG_NAME, "main").text)


def scenario_logs(servers):
    """10: nothing secret in any log."""
    texts = {server.name: server.log() for server in servers}
    lines = sum(text.count("\n") for text in texts.values())
    note(f"{len(texts)} logs, {lines} lines; {len(SEEN_CHALLENGES)} challenges, {len(SEEN_CLIENT_DATA)} clientDataJSON, "
         f"{len(SEEN_TOKENS)} tokens and cookies")
    check("logs: there is something to look at (passkey refusals were logged)",
          any("passkey" in text and "refused" in text for text in texts.values()), {n: t.count("\n") for n, t in texts.items()})

    def leaks(values):
        return [(name, value[:8]) for name, text in texts.items() for value in values if value and value in text]

    spellings = set()
    for challenge in SEEN_CHALLENGES:
        raw = b64url_decode(challenge)
        spellings.update({challenge, base64.b64encode(raw).decode().rstrip("="), raw.hex(), raw.hex().upper()})
    found = leaks(spellings)
    check("logs: no challenge handed out (base64url, base64 or hex)", not found, found[:5])
    found = leaks(SEEN_CLIENT_DATA)
    check("logs: no clientDataJSON", not found, found[:5])
    found = leaks(SEEN_TOKENS)
    check("logs: no session token or session cookie", not found, found[:5])
    signatures = {token.rsplit(".", 1)[-1] for token in SEEN_TOKENS if token.count(".") == 2}
    found = leaks({s for s in signatures if len(s) >= 16})
    check("logs: nor a token's signature part", not found, found[:5])


# MARK: - Running

def main():
    # A SIGTERM (a CI timeout) still stops the servers and browsers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    servers = []
    state = {}
    try:
        for tool in (CHROMIUM, CHROMEDRIVER):
            if not os.access(tool, os.X_OK):
                raise SystemExit(f"{tool} is missing: apt-get install -y chromium chromium-driver")
        if not os.environ.get("GATEHOUSE_PASSKEY_BINARY") and not os.path.exists(BINARY):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"passkey test: {BINARY}; files in {WORKDIR}")
        main_server = Server("main")
        servers.append(main_server)
        state["main"] = main_server
        # The second server: relying party localhost too, but the first server's origin the only one allowed.
        other = Server("other", "--webauthn-rp-id", "localhost", "--webauthn-origin", main_server.origin)
        servers.append(other)
        state["other"] = other
        stepup = Server("stepup", "--reauthentication-window", f"{WINDOW:.0f}s")
        servers.append(stepup)
        state["stepup"] = stepup
        throttled = Server("throttled", "--passkey-login-limit", f"{LOGIN_LIMIT}/5m")
        servers.append(throttled)
        state["throttled"] = throttled
        note(f"servers: main {main_server.origin}, other {other.origin}, stepup {stepup.origin}")

        state["alice_browser"] = Browser("alice")
        state["alice_browser"].open(main_server)
        state["bob_browser"] = Browser("bob")
        state["bob_browser"].open(main_server)
        state["stepup_browser"] = Browser("stepup")
        state["carol_browser"] = Browser("carol")

        run(scenario_unauthenticated, state)
        run(scenario_registration, state)
        if "alice" in state:
            run(scenario_second_account, state)
        if "alice" in state and "bob" in state:
            run(scenario_login, state)
            run(scenario_signature, state)
            run(scenario_tampering, state)
            run(scenario_cross_account, state)
            run(scenario_reauthenticate, state)
            run(scenario_wrong_origin, state)
            run(scenario_removal, state)
            run(scenario_deleted_account, state)
        run(scenario_step_up, state)
        run(scenario_throttle, state)
        run(scenario_pages, state)
        run(scenario_configuration, state)
        for server in servers:
            server.stop()
        run(scenario_logs, servers)
    finally:
        for browser in BROWSERS:
            browser.quit()
        for process in PROCESSES:
            stop(process)
        testkit.tidy(servers, WORKDIR, KEEP)
    return testkit.summary("passkey", began)


if __name__ == "__main__":
    sys.exit(main())
