#!/usr/bin/env python3
"""TOTP second factors and step-up of `gatehouse serve`, end to end, with codes made by an independent
implementation (pyotp): real sockets, real `gatehouse serve` processes, each on a SQLite file in a
temporary folder.

Covered, each a named check:
 1. enrolment: POST /v1/totp answers a base32 secret and an otpauth:// URL that is exactly
    otpauth://totp/Gatehouse:<username>?secret=…&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30 and
    that pyotp.parse_uri reads back (same secret, issuer, name; SHA-1, 6 digits, 30 s); until it is
    confirmed a login still answers a session; a wrong code at POST /v1/totp/confirm is 400 InvalidRequest
    (detail `code`), the right one answers 10 distinct recovery codes `xxxxx-xxxxx`; a second POST
    /v1/totp is 409 Conflict (`totp_enabled`);
 2. login with the factor on: the password answers 200 with exactly {"secondFactor":{"challenge",
    "methods":["totp","recovery_code"]}} and no token (body, Auth-Token, Set-Cookie); a wrong password is
    still 401 LoginFailed; POST /v1/login/second-factor with a pyotp code answers a session authenticated
    by ["password","totp"] whose token works on GET /v1/me; a wrong code is 401 SecondFactorFailed
    (`code`) and leaves the challenge usable; a used or unknown challenge is `challenge`; the same code
    on a new challenge is refused (`code`); a code and a recovery code together, or neither, is 400;
 3. recovery codes: each works once (["password","recovery_code"]), upper-case or without its hyphen
    too; a used or unknown one is `recovery_code`;
 4. clock drift: codes of the previous and the next step (pyotp .at(now ∓ 30)) work, two steps away
    (∓ 60) they are refused;
 5. throttle: on a server with --login-limit 3/15m, three wrong codes and then even the right code is
    429 TooManyAttempts with Retry-After;
 6. step-up, on a server with --reauthentication-window 2s: once the login is older than that, a
    password change, POST /v1/totp and DELETE /v1/totp are 401 ReauthenticationRequired (the password
    unchanged); POST /v1/reauthenticate with the password answers a fresh authenticatedAt and the change
    goes through; with the factor on the password alone is 401 SecondFactorRequired and the password
    with a code answers a session authenticated by ["password","totp"];
 7. DELETE /v1/totp answers {"ok":true}, logins answer a session directly again, a second DELETE is 409
    Conflict (`totp_not_enabled`);
 8. at rest: no table of the SQLite database, nor any byte of its files, holds a secret (base32 or raw);
    the key file <database>.totp-keys exists with mode 0600; a restart on the same files keeps TOTP
    working; with GATEHOUSE_TOTP_KEYS set to another key a login's second step fails closed (500
    InvalidConfiguration, no token);
 9. the activity log has totp.enabled, recovery_code.used, totp.disabled, session.reauthenticated and a
    login.failed with details.reason second_factor;
10. no server log line holds a TOTP secret, a code, a recovery code, a challenge or a session token.

The server spends a code's time step at confirmation too, so a code of the previous step (4) is only
tried once two steps have passed since that account's confirmation: the account is enrolled first and
checked last, with a bounded wait; a code two steps behind is then that confirmation's own step, refused
both as too old and as spent.

Knobs (environment): GATEHOUSE_TOTP_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing), GATEHOUSE_TOTP_KEEP (set: keep the work folder with the server logs).

Needs the pip package pyotp. Loopback only; every wait is bounded; only the processes this script
started are stopped, by their id.
"""
import base64
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

try:
    import pyotp
except ImportError:
    raise SystemExit("totp test: needs pyotp: python3 -m pip install pyotp")

import testkit
from testkit import answers_health, check, free_port, json_request, note, run, server_environment, spawn, stop

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_TOTP_BINARY"]) if os.environ.get("GATEHOUSE_TOTP_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_TOTP_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-totp.")

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new and better passphrase"
# Session tokens are bound to the client's user agent: every request of this script sends this one.
USER_AGENT = "totp-test"
ISSUER = "Gatehouse"
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m"]
START_WAIT = 60.0
RELINK_WAIT = 120.0     # a build relinking the binary is waited for this long
STEP = 30               # seconds in a TOTP time step
MARGIN = 2.0            # a timing-sensitive check does not start closer than this to a step's end
WINDOW = 2.0            # --reauthentication-window of the step-up server, seconds
STALE_SLEEP = 2.5       # how long the step-up sessions are left alone
DRIFT_WAIT = 62.0       # the longest wait for a step two after a confirmation (never more than 60 s)
RECOVERY_CODE = re.compile(r"^[0-9a-z]{5}-[0-9a-z]{5}$")

SEEN_SECRETS = {}       # base32 secret -> its raw bytes, every one a server handed out
SEEN_CODES = set()      # every TOTP code this run sent
SEEN_RECOVERY = set()   # every recovery code handed out, and every spelling of one this run sent
SEEN_CHALLENGES = set()
SEEN_TOKENS = set()     # every session token this run saw
PROCESSES = []          # every process this script started


# MARK: - HTTP

class Reply(testkit.Reply):
    """testkit's Reply, recording the tokens and challenges it carries."""

    def __init__(self, status, headers, raw):
        super().__init__(status, headers, raw)
        for value in (self.header("Auth-Token"), self.field("authToken")):
            if value:
                SEEN_TOKENS.add(value)
        factor = self.field("secondFactor")
        if isinstance(factor, dict) and isinstance(factor.get("challenge"), str):
            SEEN_CHALLENGES.add(factor["challenge"])

    def session(self):
        value = self.field("session")
        return value if isinstance(value, dict) else {}


def call(port, method, path, body=None, token=None):
    """A JSON request, through testkit."""
    return Reply(*json_request(port, method, path, body=body, token=token, user_agent=USER_AGENT))


def bearer_login(port, path, body):
    """A login (POST /v1/login or /v1/login/second-factor) asking for a bearer token with
    Gatehouse-Transport: bearer, which testkit's requests cannot send."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": USER_AGENT, "Connection": "close", "Content-Type": "application/json",
               "Gatehouse-Transport": "bearer"}
    try:
        connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def is_error(reply, status, code, detail=None):
    return reply.status == status and reply.code == code and (detail is None or reply.detail == detail)


def iso_time(text):
    """Unix seconds of an ISO 8601 date, or None."""
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (AttributeError, TypeError, ValueError):
        return None


class Session:
    """A logged-in client with a bearer token, keeping the token every answer renews."""

    def __init__(self, server, login):
        self.server = server
        self.token = login.field("authToken")
        self.login = login

    def call(self, method, path, body=None):
        reply = call(self.server.port, method, path, body, self.token)
        self.token = reply.header("Auth-Token") or self.token
        return reply

    def events(self):
        """The account's activity log, newest first."""
        reply = self.call("GET", "/v1/activity?limit=100")
        events = reply.field("events")
        if reply.status != 200 or not isinstance(events, list):
            raise RuntimeError(f"GET /v1/activity failed: {reply}")
        return events


def sign_up(server, username):
    reply = call(server.port, "POST", "/v1/accounts", {"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    if reply.status != 201:
        raise RuntimeError(f"sign-up of {username} failed: {reply}")


def log_in(server, username, password=PASSWORD):
    """POST /v1/login with a bearer token asked for."""
    return bearer_login(server.port, "/v1/login", {"username": username, "password": password})


def session_of(server, username):
    """A session of an account without a second factor."""
    login = log_in(server, username)
    if login.status != 200 or not login.field("authToken"):
        raise RuntimeError(f"login of {username} failed: {login}")
    return Session(server, login)


def challenge_of(server, username, password=PASSWORD):
    """The challenge a login of an account with the factor on answers."""
    login = log_in(server, username, password)
    factor = login.field("secondFactor")
    if login.status != 200 or not isinstance(factor, dict) or not factor.get("challenge"):
        raise RuntimeError(f"login of {username} answered no challenge: {login}")
    return factor["challenge"]


def second_factor(server, challenge, code=None, recovery=None):
    body = {"challenge": challenge}
    if code is not None:
        body["code"] = code
        SEEN_CODES.add(code)
    if recovery is not None:
        body["recoveryCode"] = recovery
        SEEN_RECOVERY.add(recovery)
    return bearer_login(server.port, "/v1/login/second-factor", body)


def no_token(reply):
    """Whether a reply hands out no session: no authToken, no Auth-Token, no cookie."""
    return not reply.field("authToken") and not reply.header("Auth-Token") and not reply.headers_named("Set-Cookie")


# MARK: - TOTP

def step_now():
    return int(time.time() // STEP)


def settle(margin=MARGIN):
    """Sleeps into the next time step when the current one ends within `margin` seconds."""
    left = STEP - time.time() % STEP
    if left < margin:
        time.sleep(left + 0.05)


class Factor:
    """An account's authenticator app: its pyotp TOTP and the last time step the server has seen used
    (a confirmation counts: the server spends that step too). Steps only go forward."""

    def __init__(self, secret):
        self.secret = secret
        self.totp = pyotp.TOTP(secret)
        self.last = None

    def code(self, step):
        code = self.totp.at(step * STEP)
        SEEN_CODES.add(code)
        return code

    def fresh(self):
        """(step, code) of the earliest step not used yet that the server accepts now (this step or the
        next one), waiting (bounded) when even the next one is used."""
        settle()
        now = step_now()
        step = now if self.last is None or self.last < now else self.last + 1
        if step > now + 1:
            wait = step * STEP - STEP - time.time() + 0.1
            note(f"waiting {wait:.1f} s for step {step} to be in reach")
            time.sleep(max(0.0, min(wait, STEP + 1)))
            settle()
        return step, self.code(step)

    def used(self, step):
        self.last = step if self.last is None else max(self.last, step)

    def wrong(self):
        """A code of no step near now."""
        near = {self.totp.at(time.time() + k * STEP) for k in range(-3, 4)}
        while True:
            code = f"{random.randrange(10 ** 6):06d}"
            if code not in near:
                SEEN_CODES.add(code)
                return code


def enrol(session, username):
    """POST /v1/totp and its confirmation with a current code: (Factor, recovery codes)."""
    reply = session.call("POST", "/v1/totp")
    secret = reply.field("secret")
    if reply.status != 200 or not isinstance(secret, str):
        raise RuntimeError(f"POST /v1/totp for {username} failed: {reply}")
    remember_secret(secret)
    factor = Factor(secret)
    step, code = factor.fresh()
    reply = session.call("POST", "/v1/totp/confirm", {"code": code})
    codes = reply.field("recoveryCodes")
    if reply.status != 200 or not isinstance(codes, list):
        raise RuntimeError(f"POST /v1/totp/confirm for {username} failed: {reply}")
    factor.used(step)
    SEEN_RECOVERY.update(codes)
    return factor, codes


def remember_secret(secret):
    try:
        SEEN_SECRETS[secret] = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (ValueError, TypeError):
        SEEN_SECRETS[secret] = b""


# MARK: - Processes

class Server:
    """One `gatehouse serve` on a free loopback port, on a SQLite file, its standard output and error in
    a log file of its own (appended to across restarts)."""

    def __init__(self, name, *flags, database=None, settings=None):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir, exist_ok=True)
        self.database = database or os.path.join(self.dir, "gatehouse.sqlite")
        self.log_path = os.path.join(self.dir, "server.log")
        self.flags = flags
        self.settings = settings or {}
        self.process = None
        self.port = None
        self.start()

    def start(self):
        self.port = free_port()
        # LIMITS, but for a limit the flags set themselves.
        limits = [part for pair in zip(LIMITS[::2], LIMITS[1::2]) if pair[0] not in self.flags for part in pair]
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", self.database, "--log-level", "debug",
                     *limits, *self.flags]
        with open(self.log_path, "ab") as log:
            self.process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=server_environment(**self.settings))
        if not answers_health(self.process, self.port, START_WAIT):
            self.stop()
            raise RuntimeError(f"server {self.name} did not start (exit code {self.process.poll()}): {self.log_tail()}")
        return self

    def stop(self):
        """SIGTERM, then SIGKILL if it is still running 15 s later."""
        if self.process is not None:
            stop(self.process)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=20):
        return "\n".join(self.log().splitlines()[-lines:])


# MARK: - Scenarios

def scenario_drift_enrolment(state):
    """4, first half: the drift account is enrolled first, so that two steps have passed by the end."""
    server = state["main"]
    sign_up(server, "drift")
    factor, _ = enrol(session_of(server, "drift"), "drift")
    state["drift"] = factor
    check("drift: the account is enrolled (its confirmation spent the current step)", factor.last is not None)


def scenario_enrolment(state):
    """1, 2, 3 and 7 on one account, and 9 on its activity log."""
    server = state["main"]
    username = "alice"
    sign_up(server, username)
    login = log_in(server, username)
    session = Session(server, login)
    details = login.session()
    check("login: without a factor the login answers 200 with authToken, session and account",
          login.status == 200 and login.field("authToken") and details and isinstance(login.field("account"), dict), login)
    at = iso_time(details.get("authenticatedAt"))
    check("login: the session has an ISO 8601 authenticatedAt of now",
          at is not None and abs(at - time.time()) < 10, details.get("authenticatedAt"))
    check("login: the session's authenticationMethods are [\"password\"]",
          details.get("authenticationMethods") == ["password"], details.get("authenticationMethods"))

    reply = session.call("POST", "/v1/totp")
    secret, url = reply.field("secret"), reply.field("otpauthURL")
    check("enrol: POST /v1/totp answers 200 {secret, otpauthURL}",
          reply.status == 200 and isinstance(secret, str) and isinstance(url, str) and set(reply.json) == {"secret", "otpauthURL"}, reply)
    if not isinstance(secret, str):
        return
    remember_secret(secret)
    check("enrol: the secret is base32 (A-Z, 2-7) of at least 128 bits",
          re.fullmatch(r"[A-Z2-7]+=*", secret) is not None and len(SEEN_SECRETS[secret]) >= 16, secret[:4] + "…")
    expected = (f"otpauth://totp/{ISSUER}:{username}?secret={secret}&issuer={ISSUER}"
                "&algorithm=SHA1&digits=6&period=30")
    check("enrol: otpauthURL is otpauth://totp/Gatehouse:<username>?secret=…&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30",
          url == expected, (url or "").replace(secret, "<secret>"))
    parsed = pyotp.parse_uri(url)
    check("enrol: pyotp.parse_uri reads a TOTP with the same secret and issuer Gatehouse",
          isinstance(parsed, pyotp.TOTP) and parsed.secret == secret and parsed.issuer == ISSUER,
          f"{type(parsed).__name__} issuer={getattr(parsed, 'issuer', None)}")
    # The label's colon is literal, the form every authenticator app reads (pyotp splits on it only).
    check("enrol: pyotp.parse_uri reads the username as the name",
          getattr(parsed, "name", None) == username,
          f"name={getattr(parsed, 'name', None)!r}")
    check("enrol: and SHA-1, 6 digits, 30 s",
          parsed.digest().name == "sha1" and parsed.digits == 6 and parsed.interval == 30,
          f"{parsed.digest().name} {parsed.digits} {parsed.interval}")
    factor = Factor(secret)

    pending = log_in(server, username)
    check("enrol: before the confirmation a login still answers a session directly",
          pending.status == 200 and pending.field("authToken") and pending.field("secondFactor") is None, pending)

    reply = session.call("POST", "/v1/totp/confirm", {"code": factor.wrong()})
    check("enrol: a wrong code at POST /v1/totp/confirm is 400 InvalidRequest (detail code)",
          is_error(reply, 400, "InvalidRequest", "code") and reply.field("recoveryCodes") is None, reply)
    step, code = factor.fresh()
    reply = session.call("POST", "/v1/totp/confirm", {"code": code})
    codes = reply.field("recoveryCodes")
    check("enrol: the right code answers 200 {recoveryCodes}", reply.status == 200 and isinstance(codes, list)
          and set(reply.json) == {"recoveryCodes"}, reply)
    if not isinstance(codes, list):
        return
    factor.used(step)
    SEEN_RECOVERY.update(codes)
    check("enrol: 10 recovery codes, distinct, each xxxxx-xxxxx",
          len(codes) == 10 and len(set(codes)) == 10 and all(isinstance(c, str) and RECOVERY_CODE.match(c) for c in codes),
          f"{len(codes)} codes, {len(set(codes))} distinct")
    reply = session.call("POST", "/v1/totp")
    check("enrol: a second POST /v1/totp once the factor is on is 409 Conflict (detail totp_enabled)",
          is_error(reply, 409, "Conflict", "totp_enabled") and reply.field("secret") is None, reply)

    # 2: the login's two steps.
    login = log_in(server, username)
    factor_field = login.field("secondFactor")
    check("login: with the factor on, the password answers 200 with exactly {secondFactor}",
          login.status == 200 and isinstance(login.json, dict) and set(login.json) == {"secondFactor"}, login)
    check("login: secondFactor is exactly {challenge, methods: [totp, recovery_code]}",
          isinstance(factor_field, dict) and set(factor_field) == {"challenge", "methods"}
          and isinstance(factor_field.get("challenge"), str) and factor_field["challenge"]
          and factor_field.get("methods") == ["totp", "recovery_code"], factor_field)
    check("login: and no token (no authToken, no Auth-Token header, no Set-Cookie)", no_token(login), login.headers)
    reply = log_in(server, username, "not the password")
    check("login: a wrong password is still 401 LoginFailed", is_error(reply, 401, "LoginFailed") and no_token(reply), reply)
    if not isinstance(factor_field, dict) or not factor_field.get("challenge"):
        return
    challenge = factor_field["challenge"]

    reply = second_factor(server, challenge, code=factor.wrong())
    check("second factor: a wrong code is 401 SecondFactorFailed (detail code), no token",
          is_error(reply, 401, "SecondFactorFailed", "code") and no_token(reply), reply)
    step, code = factor.fresh()
    done = second_factor(server, challenge, code=code)
    details = done.session()
    check("second factor: the same challenge then takes the right code: 200 with authToken, session, account",
          done.status == 200 and done.field("authToken") and details and isinstance(done.field("account"), dict), done)
    if done.status == 200:
        factor.used(step)
    check("second factor: the session's authenticationMethods are [\"password\",\"totp\"]",
          details.get("authenticationMethods") == ["password", "totp"], details.get("authenticationMethods"))
    at = iso_time(details.get("authenticatedAt"))
    check("second factor: its authenticatedAt is now", at is not None and abs(at - time.time()) < 10, details.get("authenticatedAt"))
    if done.field("authToken"):
        me = Session(server, done).call("GET", "/v1/me")
        check("second factor: the token works on GET /v1/me", me.status == 200, me)
    reply = second_factor(server, challenge, code=code)
    check("second factor: the used challenge again is 401 SecondFactorFailed (detail challenge)",
          is_error(reply, 401, "SecondFactorFailed", "challenge") and no_token(reply), reply)
    # A refused proof leaves a challenge usable: each challenge below carries several refusals and
    # then one success (every password check costs the debug build a while).
    challenge = challenge_of(server, username)
    reply = second_factor(server, challenge, code=code)
    check("second factor: the same code on a new challenge (same step) is 401 SecondFactorFailed (detail code)",
          is_error(reply, 401, "SecondFactorFailed", "code") and no_token(reply), reply)
    reply = second_factor(server, "01ZZZZZZZZZZZZZZZZZZZZZZZZ.bm90LWEtY2hhbGxlbmdl", code=factor.wrong())
    check("second factor: an unknown challenge is 401 SecondFactorFailed (detail challenge)",
          is_error(reply, 401, "SecondFactorFailed", "challenge"), reply)
    reply = second_factor(server, challenge, code=factor.wrong(), recovery=codes[9])
    check("second factor: a code and a recovery code together are 400 InvalidRequest",
          is_error(reply, 400, "InvalidRequest") and no_token(reply), reply)
    reply = second_factor(server, challenge)
    check("second factor: neither a code nor a recovery code is 400 InvalidRequest",
          is_error(reply, 400, "InvalidRequest") and no_token(reply), reply)

    # 3: recovery codes.
    done = second_factor(server, challenge, recovery=codes[0])
    check("recovery: a recovery code completes the login (200 with authToken)", done.status == 200 and done.field("authToken"), done)
    check("recovery: the session's authenticationMethods are [\"password\",\"recovery_code\"]",
          done.session().get("authenticationMethods") == ["password", "recovery_code"], done.session().get("authenticationMethods"))
    if done.field("authToken"):
        me = Session(server, done).call("GET", "/v1/me")
        check("recovery: its token works on GET /v1/me", me.status == 200, me)
    challenge = challenge_of(server, username)
    reply = second_factor(server, challenge, recovery=codes[0])
    check("recovery: the same recovery code again is 401 SecondFactorFailed (detail recovery_code)",
          is_error(reply, 401, "SecondFactorFailed", "recovery_code") and no_token(reply), reply)
    reply = second_factor(server, challenge, recovery="zzzzz-zzzzz")
    check("recovery: an unknown recovery code is 401 SecondFactorFailed (detail recovery_code)",
          is_error(reply, 401, "SecondFactorFailed", "recovery_code"), reply)
    reply = second_factor(server, challenge, recovery=codes[1].upper())
    check("recovery: a recovery code in upper case works", reply.status == 200 and reply.field("authToken"), reply)
    challenge = challenge_of(server, username)
    reply = second_factor(server, challenge, recovery=codes[1])
    check("recovery: one used in upper case is used in lower case too (recovery_code)",
          is_error(reply, 401, "SecondFactorFailed", "recovery_code"), reply)
    reply = second_factor(server, challenge, recovery=codes[2].replace("-", ""))
    check("recovery: a recovery code without its hyphen works", reply.status == 200 and reply.field("authToken"), reply)

    # 7: turning it off (the session is fresh: the main server's window is the default 10 minutes).
    reply = session.call("DELETE", "/v1/totp")
    check("disable: DELETE /v1/totp answers 200 {\"ok\":true}", reply.status == 200 and reply.json == {"ok": True}, reply)
    login = log_in(server, username)
    check("disable: a login then answers a session directly again",
          login.status == 200 and login.field("authToken") and login.field("secondFactor") is None
          and login.session().get("authenticationMethods") == ["password"], login)
    reply = session.call("DELETE", "/v1/totp")
    check("disable: a second DELETE /v1/totp is 409 Conflict (detail totp_not_enabled)",
          is_error(reply, 409, "Conflict", "totp_not_enabled"), reply)
    reply = session.call("POST", "/v1/reauthenticate", {"password": PASSWORD})
    check("disable: POST /v1/reauthenticate with the password answers 200 {session}",
          reply.status == 200 and isinstance(reply.field("session"), dict), reply)

    # 9: the activity log.
    events = session.events()
    types = [event.get("type") for event in events]
    for kind in ("totp.enabled", "recovery_code.used", "totp.disabled", "session.reauthenticated"):
        check(f"activity: GET /v1/activity shows {kind}", kind in types, sorted(set(types)))
    check("activity: recovery_code.used three times (three codes spent)", types.count("recovery_code.used") == 3, types.count("recovery_code.used"))
    check("activity: a login.failed with details.reason second_factor (the wrong code)",
          any(e.get("type") == "login.failed" and (e.get("details") or {}).get("reason") == "second_factor" for e in events),
          [(e.get("type"), e.get("details")) for e in events if e.get("type") == "login.failed"])
    secrets = [secret, *codes, code]
    check("activity: no event holds the secret, a recovery code or a code",
          not any(s in json.dumps(events) for s in secrets))


def scenario_keeper_enrolment(state):
    """8, first half: an account enrolled before the restarts."""
    server = state["main"]
    sign_up(server, "keeper")
    factor, _ = enrol(session_of(server, "keeper"), "keeper")
    state["keeper"] = factor
    check("keeper: the account is enrolled", factor.last is not None)


def scenario_throttle(server):
    """5: wrong codes count like wrong passwords."""
    sign_up(server, "thrott")
    factor, _ = enrol(session_of(server, "thrott"), "thrott")
    challenge = challenge_of(server, "thrott")
    replies = [second_factor(server, challenge, code=factor.wrong()) for _ in range(3)]
    check("throttle: three wrong codes are each 401 SecondFactorFailed (detail code)",
          all(is_error(r, 401, "SecondFactorFailed", "code") for r in replies), replies)
    _, code = factor.fresh()
    reply = second_factor(server, challenge, code=code)
    check("throttle: then the right code is 429 TooManyAttempts, no token",
          is_error(reply, 429, "TooManyAttempts") and no_token(reply), reply)
    retry = reply.header("Retry-After")
    check("throttle: with a Retry-After of whole seconds", retry is not None and retry.isdigit() and int(retry) > 0, retry)


def scenario_step_up(server):
    """6: a stale session needs the password again, and the code when the factor is on."""
    sign_up(server, "plain")
    sign_up(server, "strong")
    plain = session_of(server, "plain")
    first_at = iso_time(plain.login.session().get("authenticatedAt"))
    # The enrolment must fit in the window after the login: no step boundary to wait for in between.
    settle(4.0)
    strong = session_of(server, "strong")
    factor, _ = enrol(strong, "strong")
    logged_in = time.time()
    # The one real sleep: both logins become older than the window (authenticatedAt is in whole
    # seconds, so the time is taken here, after the later one).
    time.sleep(max(0.0, logged_in + STALE_SLEEP - time.time()))

    reply = plain.call("POST", "/v1/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    check("step-up: a password change on a session older than the window is 401 ReauthenticationRequired",
          is_error(reply, 401, "ReauthenticationRequired"), reply)
    reply = log_in(server, "plain", NEW_PASSWORD)
    check("step-up: the password is unchanged (the new one is 401 LoginFailed)", is_error(reply, 401, "LoginFailed"), reply)
    reply = plain.call("POST", "/v1/reauthenticate", {"password": PASSWORD})
    details = reply.session()
    at = iso_time(details.get("authenticatedAt"))
    check("step-up: POST /v1/reauthenticate with the (unchanged) password answers 200 {session}",
          reply.status == 200 and isinstance(reply.json, dict) and "session" in reply.json, reply)
    check("step-up: with a fresh authenticatedAt (later than the login's, now)",
          at is not None and first_at is not None and at > first_at + 1 and abs(at - time.time()) < 5,
          f"{details.get('authenticatedAt')} vs login {plain.login.session().get('authenticatedAt')}")
    check("step-up: authenticationMethods [\"password\"]", details.get("authenticationMethods") == ["password"], details)
    reply = plain.call("POST", "/v1/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    check("step-up: then the password change answers 200", reply.status == 200, reply)
    reply = log_in(server, "plain", NEW_PASSWORD)
    check("step-up: and the new password logs in", reply.status == 200 and reply.field("authToken"), reply)
    types = [event.get("type") for event in plain.events()]
    check("step-up: the activity log shows session.reauthenticated", "session.reauthenticated" in types, types)

    reply = strong.call("POST", "/v1/totp")
    check("step-up: POST /v1/totp on a stale session is 401 ReauthenticationRequired",
          is_error(reply, 401, "ReauthenticationRequired") and reply.field("secret") is None, reply)
    reply = strong.call("DELETE", "/v1/totp")
    check("step-up: DELETE /v1/totp on a stale session is 401 ReauthenticationRequired",
          is_error(reply, 401, "ReauthenticationRequired"), reply)
    reply = strong.call("POST", "/v1/reauthenticate", {"password": PASSWORD})
    check("step-up: with the factor on, the password alone is 401 SecondFactorRequired",
          is_error(reply, 401, "SecondFactorRequired"), reply)
    step, code = factor.fresh()
    reply = strong.call("POST", "/v1/reauthenticate", {"password": PASSWORD, "code": code})
    details = reply.session()
    check("step-up: the password and a code answer 200 {session}", reply.status == 200 and details, reply)
    if reply.status == 200:
        factor.used(step)
    check("step-up: authenticationMethods [\"password\",\"totp\"] and a fresh authenticatedAt",
          details.get("authenticationMethods") == ["password", "totp"]
          and abs((iso_time(details.get("authenticatedAt")) or 0) - time.time()) < 5, details)
    reply = strong.call("DELETE", "/v1/totp")
    check("step-up: then DELETE /v1/totp answers 200", reply.status == 200 and reply.json == {"ok": True}, reply)


def scenario_at_rest(state):
    """8: the stopped main server's files hold no secret; the key file; a restart keeps TOTP working; a
    copy of the database with other keys fails closed."""
    server = state["main"]
    server.stop()
    files = [path for path in (server.database, server.database + "-wal", server.database + "-shm", server.database + "-journal")
             if os.path.exists(path)]
    secrets = dict(SEEN_SECRETS)
    check("rest: the secrets handed out are known (alice, drift, keeper)", len(secrets) >= 3, len(secrets))

    connection = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        values = []
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                values.extend(row)
    finally:
        connection.close()
    note(f"{len(tables)} tables, {len(values)} values")
    texts = [v for v in values if isinstance(v, str)]
    blobs = [bytes(v) for v in values if isinstance(v, (bytes, memoryview))] + [v.encode() for v in texts]
    found = [s[:4] for s in secrets if any(s in t or s.lower() in t.lower() for t in texts)]
    check("rest: no value of any table holds a base32 secret", not found, found)
    found = [s[:4] for s, raw in secrets.items() if raw and any(raw in b for b in blobs)]
    check("rest: no value of any table holds a secret's raw bytes", not found, found)
    contents = b"".join(open(path, "rb").read() for path in files)
    found = [s[:4] for s, raw in secrets.items() if s.encode() in contents or s.lower().encode() in contents or (raw and raw in contents)]
    check(f"rest: the database files ({len(files)}) hold no secret, in base32 or raw, anywhere in their bytes", not found, found)
    found = [c for c in SEEN_RECOVERY if c.encode() in contents]
    check("rest: nor any recovery code", not found, found[:3])

    key_file = server.database + ".totp-keys"
    mode = stat.S_IMODE(os.stat(key_file).st_mode) if os.path.exists(key_file) else None
    check("rest: the key file <database>.totp-keys exists beside the database", mode is not None, os.listdir(server.dir))
    check("rest: with mode 0600", mode == 0o600, oct(mode) if mode is not None else None)

    # A copy of the stopped database, opened with another key.
    copy_dir = os.path.join(WORKDIR, "otherkeys")
    os.makedirs(copy_dir)
    for path in files:
        shutil.copy(path, os.path.join(copy_dir, os.path.basename(path)))

    server.start()
    factor = state["keeper"]
    step, code = factor.fresh()
    reply = second_factor(server, challenge_of(server, "keeper"), code=code)
    check("rest: after a restart on the same files, a login with a fresh code succeeds",
          reply.status == 200 and reply.field("authToken") and reply.session().get("authenticationMethods") == ["password", "totp"], reply)
    if reply.status == 200:
        factor.used(step)

    other = base64.b64encode(os.urandom(32)).decode()
    copy = Server("otherkeys", database=os.path.join(copy_dir, os.path.basename(server.database)),
                  settings={"GATEHOUSE_TOTP_KEYS": f"k9:{other}"})
    state["otherkeys"] = copy
    check("rest: with GATEHOUSE_TOTP_KEYS of another key the server starts", copy.process.poll() is None)
    login = log_in(copy, "keeper")
    challenge = (login.field("secondFactor") or {}).get("challenge")
    check("rest: and a login of the enrolled account answers a challenge", login.status == 200 and challenge, login)
    if challenge:
        _, code = factor.fresh()
        reply = second_factor(copy, challenge, code=code)
        check("rest: completing it fails closed: 500 InvalidConfiguration, no token",
              is_error(reply, 500, "InvalidConfiguration") and no_token(reply), reply)
    copy.stop()


def scenario_drift(state):
    """4: codes one step off either way work, two steps off do not; on the account enrolled first."""
    server = state["main"]
    factor = state["drift"]
    # The logins' password steps first (a challenge lives 5 minutes): only the codes wait.
    challenges = [challenge_of(server, "drift") for _ in range(5)]
    target = (factor.last + 2) * STEP   # the previous step is unused from here on
    wait = target - time.time() + 0.1
    if wait > 0:
        note(f"waiting {wait:.1f} s until two steps have passed since the drift account's confirmation")
        time.sleep(min(wait, DRIFT_WAIT))
    settle()
    now = time.time()
    early, late = factor.totp.at(now - 2 * STEP), factor.totp.at(now + 2 * STEP)
    previous, following = factor.totp.at(now - STEP), factor.totp.at(now + STEP)
    SEEN_CODES.update([early, late, previous, following])
    check("drift: the previous step is later than the confirmation's (no code of it used yet)", int(now // STEP) - 1 > factor.last,
          f"step {int(now // STEP)}, confirmed at {factor.last}")
    reply = second_factor(server, challenges[0], code=late)
    check("drift: a code two steps ahead (now + 60 s) is refused (SecondFactorFailed, code)",
          is_error(reply, 401, "SecondFactorFailed", "code") and no_token(reply), reply)
    reply = second_factor(server, challenges[1], code=early)
    check("drift: a code two steps behind (now - 60 s) is refused (SecondFactorFailed, code)",
          is_error(reply, 401, "SecondFactorFailed", "code") and no_token(reply), reply)
    reply = second_factor(server, challenges[2], code=previous)
    check("drift: a code of the previous step (now - 30 s) works", reply.status == 200 and reply.field("authToken"), reply)
    reply = second_factor(server, challenges[3], code=following)
    check("drift: a code of the next step (now + 30 s) works", reply.status == 200 and reply.field("authToken"), reply)
    reply = second_factor(server, challenges[4], code=previous)
    check("drift: the previous step's code, older than one used, is refused now", is_error(reply, 401, "SecondFactorFailed", "code"), reply)
    check("drift: all within one step (no boundary crossed)", int(time.time() // STEP) == int(now // STEP))


def scenario_logs(servers):
    """10: nothing secret in any log."""
    texts = {server.name: server.log() for server in servers}
    lines = sum(text.count("\n") for text in texts.values())
    note(f"{len(texts)} logs, {lines} lines; {len(SEEN_SECRETS)} secrets, {len(SEEN_CODES)} codes, "
         f"{len(SEEN_RECOVERY)} recovery codes, {len(SEEN_CHALLENGES)} challenges, {len(SEEN_TOKENS)} session tokens")
    check("logs: there is something to look at (second factors were logged as refused)",
          any("second factor refused" in text for text in texts.values()), {n: t.count("\n") for n, t in texts.items()})

    def leaks(values, pattern=None):
        found = []
        for name, text in texts.items():
            lowered = text.lower()
            for value in values:
                hit = re.search(pattern.format(re.escape(value)), text) if pattern else value.lower() in lowered
                if hit:
                    found.append((name, value[:6]))
        return found

    secrets = list(SEEN_SECRETS) + [base64.b64encode(raw).decode() for raw in SEEN_SECRETS.values() if raw] \
        + [raw.hex() for raw in SEEN_SECRETS.values() if raw]
    found = leaks(secrets)
    check("logs: no TOTP secret (base32, base64 or hex)", not found, found[:5])
    # A code is six digits: it must stand alone to count (not inside a timestamp or an id).
    found = leaks(SEEN_CODES, r"(?<![0-9A-Za-z.]){}(?![0-9A-Za-z])")
    check("logs: no TOTP code (six digits standing alone)", not found, found[:5])
    spellings = {c for code in SEEN_RECOVERY for c in (code, code.replace("-", ""))}
    found = leaks(spellings)
    check("logs: no recovery code (with or without its hyphen)", not found, found[:5])
    found = leaks(SEEN_CHALLENGES) + leaks({c.split(".", 1)[-1] for c in SEEN_CHALLENGES if "." in c})
    check("logs: no challenge (nor its secret part)", not found, found[:5])
    found = leaks(SEEN_TOKENS)
    check("logs: no session token", not found, found[:5])


# MARK: - Running

def main():
    # A SIGTERM (a CI timeout) still stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    servers = []
    state = {}
    try:
        if not os.environ.get("GATEHOUSE_TOTP_BINARY") and not os.path.exists(BINARY):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"totp test: {BINARY}; files in {WORKDIR}")
        main_server = Server("main")
        servers.append(main_server)
        state["main"] = main_server
        run(scenario_drift_enrolment, state)
        run(scenario_enrolment, state)
        run(scenario_keeper_enrolment, state)
        throttle = Server("throttle", "--login-limit", "3/15m")
        servers.append(throttle)
        run(scenario_throttle, throttle)
        throttle.stop()
        step_up = Server("stepup", "--reauthentication-window", f"{WINDOW:.0f}s")
        servers.append(step_up)
        run(scenario_step_up, step_up)
        step_up.stop()
        if "keeper" in state:
            run(scenario_at_rest, state)
        if "otherkeys" in state:
            servers.append(state["otherkeys"])
        if "drift" in state:
            run(scenario_drift, state)
        for server in servers:
            server.stop()
        run(scenario_logs, servers)
    finally:
        for process in PROCESSES:
            stop(process)
        testkit.tidy(servers, WORKDIR, KEEP)
    return testkit.summary("totp", began)


if __name__ == "__main__":
    sys.exit(main())
