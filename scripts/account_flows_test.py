#!/usr/bin/env python3
"""The self-service account flows of `gatehouse serve`, end to end: real sockets, real SQLite files, a
throwaway PostgreSQL cluster and a real SMTP server (scripts/smtp_test_server.py, built on aiosmtpd).

On SQLite and on PostgreSQL alike, with mail going over SMTP with STARTTLS (a throwaway certificate,
trusted through `?ca=`) and AUTH: sign-up and e-mail verification (links single use, a new link replaces
the old one), password recovery (every session ends, the link works once), recovery for an unknown
address answering exactly like a known one (status, body, headers, and time: the two medians are
printed), password change, e-mail address change, account deletion, and `--require-verified-email`.

On PostgreSQL only: two servers on one database (a password reset on one ends the sessions the other
serves). On both: the outbox survives a SIGKILL (a message queued while the mail server was down is
delivered once after a restart).

On SQLite: an SMTP 451 followed by success (delivered exactly once, after the retry delay), a 550 that
marks the message failed until `gatehouse mail retry`, STARTTLS refusing a certificate that is not trusted
or names another host, the signed HTTP transport (the HMAC header checked with the shared secret), the default file courier (./gatehouse-mail/, files of mode 0600, the README's
`grep -o 'token=…'` walk-through) and `--templates`.

Last, no log line of any server or admin command holds a link token, a `token=` link, an auth token,
the SMTP password or a secret.

Knobs (environment): GATEHOUSE_FLOWS_PG_PORT (54345), GATEHOUSE_FLOWS_BINARY (the `gatehouse` to run;
.build/debug/gatehouse, built when missing), GATEHOUSE_FLOWS_KEEP (set: keep the work folder).

Loopback only; every wait is bounded; only the processes this script started are stopped.
"""
import email
import email.policy
import email.utils
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from testkit import FAILED, PASSED, Cluster, Reply, check, free_port, json_request, note

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMTP_SERVER = os.path.join(ROOT, "scripts", "smtp_test_server.py")
cluster = Cluster(os.environ.get("GATEHOUSE_FLOWS_PG_PORT", "54345"), ".build-pg-flows")

SECRET = "account-flows-test-secret-0123456789abcdef"
MAIL_SECRET = "account-flows-mail-secret-0123456789"
SMTP_USER = "gatehouse"
SMTP_PASSWORD = "Sm7p/pass@word"   # '/' and '@' travel percent-encoded in the mail URL
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new and better passphrase"
PUBLIC_URL = "https://app.example.test"
VERIFICATION_PATH = "/account/verify"
RECOVERY_PATH = "/account/reset"
USER_AGENT = "account-flows-test"
# Sign-ups, failed logins and message requests all come from 127.0.0.1: limits out of the way.
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m",
          "--message-email-limit", "1000/1h", "--message-address-limit", "10000/1h"]
LINKS = ["--public-url", PUBLIC_URL, "--verification-path", VERIFICATION_PATH, "--recovery-path", RECOVERY_PATH]
SUBJECTS = {  # the built-in subjects, by message kind
    "verify_email": "Confirm your e-mail address for Gatehouse",
    "reset_password": "Reset your Gatehouse password",
    "confirm_email_change": "Confirm your new e-mail address for Gatehouse",
    "email_change_requested": "Your Gatehouse e-mail address is being changed",
}
MAIL_WAIT = 20.0            # a message must arrive this soon (the courier looks every second)
RETRY_WAIT = 40.0           # a message refused once must arrive this soon (the first retry is 10 s later)
TIMING_ROUNDS = 30          # recovery requests for a known and for an unknown address, each
TIMING_BOUND_MS = 25.0      # the medians may differ by this much, or by half of the larger

RUN_ID = f"{random.randrange(16 ** 4):04x}"
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-flows.")
LOG_DIR = os.path.join(WORKDIR, "logs")
BINARY = os.path.abspath(os.environ["GATEHOUSE_FLOWS_BINARY"]) if os.environ.get("GATEHOUSE_FLOWS_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
SEEN_TOKENS = set()         # every link token and auth token this run saw: none may appear in a log
PROCESSES = []              # every process this script started, stopped at the end if still running
_names = iter(range(1, 1000))


def new_user(tag):
    """A fresh username (3-16 of [a-z0-9_]) and its e-mail address."""
    username = f"{tag}{next(_names)}_{RUN_ID}"
    return username, f"{username}@example.com"


def server_environment():
    """This process's environment without GATEHOUSE_* settings, which would change what a server does."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}


# MARK: - HTTP

def call(port, method, path, body=None, token=None, timeout=30):
    reply = Reply(*json_request(port, method, path, body=body, token=token, user_agent=USER_AGENT, timeout=timeout))
    for token in (reply.header("Auth-Token"), reply.field("authToken")):
        if token:
            SEEN_TOKENS.add(token)
    return reply


class Session:
    """A logged-in client: sends its bearer token and keeps the renewed one (every request renews it)."""

    def __init__(self, port, token, session_id=None):
        self.port = port
        self.token = token
        self.id = session_id

    def call(self, method, path, body=None, port=None):
        reply = call(port or self.port, method, path, body, self.token)
        renewed = reply.header("Auth-Token")
        if renewed:
            self.token = renewed
        return reply


def sign_up(port, username, email_address, password=PASSWORD):
    return call(port, "POST", "/v1/accounts", {"username": username, "email": email_address, "password": password})


def log_in(port, username, password=PASSWORD):
    """(reply, Session or None)."""
    reply = call(port, "POST", "/v1/login", {"username": username, "password": password})
    token = reply.json.get("authToken") if reply.status == 200 and isinstance(reply.json, dict) else None
    return reply, (Session(port, token, reply.json["session"]["id"]) if token else None)


def session_ids(session):
    """The ids GET /v1/sessions lists for `session`'s account, or None when it fails."""
    reply = session.call("GET", "/v1/sessions")
    return {s["id"] for s in reply.json["sessions"]} if reply.status == 200 else None


def is_error(reply, status, code):
    return reply.status == status and reply.code == code


# MARK: - Processes

class Server:
    """One `gatehouse serve`, its standard output and error in a log file of its own."""

    def __init__(self, name, database, *options, cwd=None):
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(LOG_DIR, f"server-{name}.log")
        self.arguments = [BINARY, "serve", "--port", str(self.port), "--secret", SECRET, "--log-level", "debug",
                          *LIMITS, *(["--database", database] if database else []), *options]
        self.cwd = cwd or WORKDIR
        self.process = None

    def start(self, limit=60):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.arguments, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=server_environment())
        PROCESSES.append(self.process)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if call(self.port, "GET", "/health", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server {self.name} did not start (exit code {self.process.poll()}): {tail(self.log_path)}")

    def stop(self):
        """SIGTERM, then SIGKILL if it is still running 15 s later."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            note(f"server {self.name} still running 15 s after SIGTERM: killed")
            self.process.kill()
            self.process.wait(timeout=15)

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=15)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class SMTPSink:
    """scripts/smtp_test_server.py on 127.0.0.1: accepts (or refuses) messages and writes each accepted one to
    its own maildir. It ends with this script (--stop-on-eof) and after 10 minutes at the latest."""

    def __init__(self, name, *options, port=0):
        self.maildir = os.path.join(WORKDIR, f"maildir-{name}")
        self.process = subprocess.Popen(
            [sys.executable, SMTP_SERVER, "--port", str(port), "--maildir", self.maildir, "--stop-on-eof",
             "--lifetime", "600", "--quiet", *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.path.join(LOG_DIR, f"smtp-{name}.log"), "ab"))
        PROCESSES.append(self.process)
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the SMTP server {name} did not start")
        self.port = int(line)
        self.mailbox = Mailbox(self.maildir)

    def stop(self):
        """Ends its standard input, which stops it; SIGTERM, then SIGKILL, if it is still running."""
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        for stop in (None, self.process.terminate, self.process.kill):
            if stop:
                stop()
            try:
                self.process.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                pass


def smtp_url(port, ca):
    """The mail URL of an SMTP server on loopback with STARTTLS forced, AUTH, and the CA file `ca` trusted
    (None: the system's trust roots)."""
    user = urllib.parse.quote(SMTP_USER, safe="")
    password = urllib.parse.quote(SMTP_PASSWORD, safe="")
    return f"smtp://{user}:{password}@127.0.0.1:{port}?tls=starttls" + (f"&ca={ca}" if ca else "")


class HTTPSink:
    """An HTTP server on 127.0.0.1 that answers 200 to every POST and keeps what it received."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1 << 20))
                received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                                 "at": time.time()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def admin(database, *arguments, cwd=None):
    """Runs `gatehouse ARGUMENTS --database DATABASE`; its output goes to a log that is checked for secrets."""
    result = subprocess.run([BINARY, *arguments, *(["--database", database] if database else [])],
                            cwd=cwd or WORKDIR, capture_output=True, text=True, timeout=60, env=server_environment())
    with open(os.path.join(LOG_DIR, "admin.log"), "a") as log:
        log.write(f"$ gatehouse {' '.join(arguments)}\n{result.stdout}{result.stderr}")
    return result


def outbox(database, failed=False):
    """The outbox as `gatehouse mail list --json` shows it, or None when the command failed."""
    result = admin(database, "mail", "list", "--json", *(["--failed"] if failed else []))
    if result.returncode != 0:
        note(f"gatehouse mail list failed ({result.returncode}): {result.stderr.strip()[:300]}")
        return None
    return json.loads(result.stdout)["messages"]


def wait_for_outbox(database, predicate, limit, failed=False):
    """The first outbox entry that satisfies `predicate` within `limit` seconds, else None."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        entry = next((m for m in outbox(database, failed) or [] if predicate(m)), None)
        if entry:
            return entry
        time.sleep(0.5)
    return None


def tail(path, lines=30):
    """The last `lines` lines of a log, its debug lines left out."""
    try:
        with open(path, "rb") as f:
            kept = [line for line in f.read().decode(errors="replace").splitlines() if " debug " not in line]
        return "\n".join(kept[-lines:])
    except OSError as error:
        return f"(cannot read {path}: {error})"


# MARK: - Messages

class Mail:
    """A delivered message, decoded with the `email` package (quoted-printable or not)."""

    def __init__(self, path, raw):
        self.path = path
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)
        self.to = email.utils.parseaddr(str(self.message["To"] or ""))[1].lower()
        self.subject = str(self.message["Subject"] or "")
        plain = self.message.get_body(preferencelist=("plain",))
        html = self.message.get_body(preferencelist=("html",))
        self.text = plain.get_content() if plain is not None else ""
        self.html = html.get_content() if html is not None else ""

    @property
    def kind(self):
        return next((kind for kind, subject in SUBJECTS.items() if self.subject == subject), None)

    def link(self):
        """(link, token) of the first link with a token in the plain text, or (None, None)."""
        match = re.search(r"(\S+?[?&]token=([A-Za-z0-9_-]+))", self.text)
        if not match:
            return None, None
        SEEN_TOKENS.add(match.group(2))
        return match.group(1), match.group(2)


class Mailbox:
    """The .eml files of a directory, handed out once each, oldest first."""

    def __init__(self, directory):
        self.directory = directory
        self.taken = set()

    def all(self):
        try:
            names = [n for n in os.listdir(self.directory) if n.endswith(".eml") and not n.startswith(".")]
        except FileNotFoundError:
            return []
        paths = [os.path.join(self.directory, n) for n in names]
        mails = []
        for path in sorted(paths, key=lambda p: (os.stat(p).st_mtime_ns, p)):
            with open(path, "rb") as f:
                mails.append(Mail(path, f.read()))
        return mails

    def matching(self, to, kind=None):
        return [m for m in self.all() if m.to == to.lower() and (kind is None or m.kind == kind)]

    def wait(self, to, kind=None, limit=MAIL_WAIT):
        """The oldest message to `to` (of `kind`) not handed out yet; None when none comes within `limit` s."""
        deadline = time.monotonic() + limit
        while True:
            for mail in self.matching(to, kind):
                if mail.path not in self.taken:
                    self.taken.add(mail.path)
                    return mail
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)


def link_token(mail, path):
    """The token of `mail`'s link, checking the link is PUBLIC_URL + `path` + ?token=…; None when missing."""
    if mail is None:
        return None
    link, token = mail.link()
    check(f"the {mail.kind or 'message'}'s link is {PUBLIC_URL}{path}?token=…",
          link is not None and link.startswith(f"{PUBLIC_URL}{path}?token="), f"link {link!r}")
    return token


# MARK: - The flows, on either database

def scenario_sign_up_and_verification(label, port, mailbox):
    """1. Sign-up and verification over SMTP with STARTTLS and AUTH."""
    username, address = new_user("v")
    reply = sign_up(port, username, address)
    check(f"{label}: sign-up answers 201 with emailVerified false",
          reply.status == 201 and reply.json["account"]["emailVerified"] is False, reply)
    first = mailbox.wait(address, "verify_email")
    check(f"{label}: the sign-up sends a verification message (delivered over STARTTLS with AUTH)", first is not None)
    first_token = link_token(first, VERIFICATION_PATH)
    _, session = log_in(port, username)
    check(f"{label}: the new account logs in", session is not None)
    reply = session.call("POST", "/v1/verification")
    check(f"{label}: POST /v1/verification answers 202 {{\"ok\":true}}",
          reply.status == 202 and reply.json == {"ok": True}, reply)
    second = mailbox.wait(address, "verify_email")
    check(f"{label}: POST /v1/verification sends another verification message", second is not None)
    token = link_token(second, VERIFICATION_PATH)
    if first is not None:
        check(f"{label}: the message comes from the configured sender, to the account's address",
              "no-reply@localhost" in str(first.message["From"]) and first.to == address,
              f"From {first.message['From']}, To {first.to}")
    if first_token and token:
        reply = call(port, "POST", "/v1/verification/confirm", {"token": first_token})
        check(f"{label}: the sign-up's link no longer works once another was asked for (400 InvalidToken)",
              is_error(reply, 400, "InvalidToken"), reply)
    if token:
        reply = call(port, "POST", "/v1/verification/confirm", {"token": token})
        check(f"{label}: confirming the verification link answers 200 with emailVerified true",
              reply.status == 200 and reply.json["account"]["emailVerified"] is True
              and reply.json["account"]["email"] == address, reply)
        reply = call(port, "POST", "/v1/verification/confirm", {"token": token})
        check(f"{label}: the verification link works once (400 InvalidToken the second time)",
              is_error(reply, 400, "InvalidToken"), reply)
    reply = session.call("GET", "/v1/me")
    check(f"{label}: GET /v1/me shows the address verified", reply.status == 200 and reply.json["account"]["emailVerified"] is True, reply)
    reply = call(port, "POST", "/v1/verification/confirm", {"token": "not-a-token-" + "A" * 32})
    check(f"{label}: a made-up verification token is 400 InvalidToken", is_error(reply, 400, "InvalidToken"), reply)


def scenario_recovery(label, port, mailbox):
    """2. Recovery: the reset link works once; every session ends; the new password logs in."""
    username, address = new_user("r")
    sign_up(port, username, address)
    sessions = [log_in(port, username)[1] for _ in range(2)]
    check(f"{label}: two logins before the recovery", all(sessions))
    if all(sessions):
        check(f"{label}: GET /v1/sessions lists both", session_ids(sessions[0]) == {s.id for s in sessions})
    reply = call(port, "POST", "/v1/recovery", {"email": address})
    check(f"{label}: POST /v1/recovery answers 202 {{\"ok\":true}}", reply.status == 202 and reply.json == {"ok": True}, reply)
    token = link_token(mailbox.wait(address, "reset_password"), RECOVERY_PATH)
    check(f"{label}: the reset message arrives", token is not None)
    if not token or not all(sessions):
        return
    reply = call(port, "POST", "/v1/recovery/confirm", {"token": token, "password": "short"})
    check(f"{label}: a reset to a short password is 400 WeakPassword", is_error(reply, 400, "WeakPassword"), reply)
    reply = call(port, "POST", "/v1/recovery/confirm", {"token": token, "password": NEW_PASSWORD})
    check(f"{label}: the reset link sets the new password (200 {{\"ok\":true}})", reply.status == 200 and reply.json == {"ok": True}, reply)
    reply = call(port, "POST", "/v1/recovery/confirm", {"token": token, "password": "yet another passphrase"})
    check(f"{label}: the reset link works once (400 InvalidToken the second time)", is_error(reply, 400, "InvalidToken"), reply)
    replies = [s.call("GET", "/v1/me") for s in sessions]
    check(f"{label}: both sessions that existed before the reset are over (401)", [r.status for r in replies] == [401, 401],
          [(r.status, r.code) for r in replies])
    reply, _ = log_in(port, username, PASSWORD)
    check(f"{label}: the old password no longer logs in (401 LoginFailed)", is_error(reply, 401, "LoginFailed"), reply)
    reply, fresh = log_in(port, username, NEW_PASSWORD)
    check(f"{label}: the new password logs in", reply.status == 200, reply)
    if fresh:
        check(f"{label}: GET /v1/sessions then lists only the new session", session_ids(fresh) == {fresh.id})
    reply = call(port, "POST", "/v1/recovery/confirm", {"token": "bogus-" + "x" * 40, "password": NEW_PASSWORD})
    check(f"{label}: a made-up reset token is 400 InvalidToken", is_error(reply, 400, "InvalidToken"), reply)


def scenario_recovery_unknown_address(label, port, mailbox, database):
    """3. Recovery for an unknown address answers like a known one: status, body, headers, time."""
    username, known = new_user("k")
    sign_up(port, username, known)

    def comparable(reply):
        return reply.status, reply.raw, sorted((k.lower(), v) for k, v in reply.headers if k.lower() != "date")

    unknown = [f"nobody{i}_{RUN_ID}@example.com" for i in range(TIMING_ROUNDS + 3)]
    for i in range(3):   # warm-up
        call(port, "POST", "/v1/recovery", {"email": known})
        call(port, "POST", "/v1/recovery", {"email": unknown[i]})
    times = {"known": [], "unknown": []}
    answers = {"known": set(), "unknown": set()}
    for i in range(TIMING_ROUNDS):
        order = [("known", known), ("unknown", unknown[i + 3])]
        for which, address in (order if i % 2 == 0 else order[::-1]):
            began = time.perf_counter()
            reply = call(port, "POST", "/v1/recovery", {"email": address})
            times[which].append((time.perf_counter() - began) * 1000)
            answers[which].add(repr(comparable(reply)))
    check(f"{label}: recovery answers every known-address request identically", len(answers["known"]) == 1, answers["known"])
    check(f"{label}: recovery answers an unknown address exactly like a known one (status, body bytes, headers but Date)",
          answers["known"] == answers["unknown"], f"known {answers['known']}, unknown {answers['unknown']}")
    known_ms, unknown_ms = statistics.median(times["known"]), statistics.median(times["unknown"])
    print(f"       {label}: recovery timing over {TIMING_ROUNDS} requests each: median known {known_ms:.2f} ms, "
          f"median unknown {unknown_ms:.2f} ms")
    difference = abs(known_ms - unknown_ms)
    check(f"{label}: recovery takes as long for an unknown address as for a known one "
          f"(medians within {TIMING_BOUND_MS:g} ms or 50%)",
          difference < TIMING_BOUND_MS or difference < 0.5 * max(known_ms, unknown_ms),
          f"known {known_ms:.2f} ms, unknown {unknown_ms:.2f} ms")
    queued = outbox(database)
    strays = [m for m in queued or [] if m["to"].startswith("nobody")]
    check(f"{label}: no message is queued for an unknown address", queued is not None and not strays, strays[:3])
    delivered = [m for m in mailbox.all() if m.to.startswith("nobody")]
    check(f"{label}: no message is delivered to an unknown address", not delivered, [m.to for m in delivered[:3]])


def scenario_password_change(label, port, mailbox):
    """4. Password change: the current password is checked, the new one must be strong, other sessions end."""
    username, address = new_user("p")
    sign_up(port, username, address)
    _, mine = log_in(port, username)
    _, other = log_in(port, username)
    if not (mine and other):
        check(f"{label}: two logins before the password change", False)
        return
    reply = mine.call("POST", "/v1/password", {"currentPassword": "not the password", "newPassword": NEW_PASSWORD})
    check(f"{label}: a password change with a wrong current password is 401 LoginFailed", is_error(reply, 401, "LoginFailed"), reply)
    for weak in ("password1", "short"):
        reply = mine.call("POST", "/v1/password", {"currentPassword": PASSWORD, "newPassword": weak})
        check(f"{label}: a password change to {weak!r} is 400 WeakPassword", is_error(reply, 400, "WeakPassword"), reply)
    reply = mine.call("POST", "/v1/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    renewed = reply.json.get("authToken") if reply.status == 200 and isinstance(reply.json, dict) else None
    check(f"{label}: the password change answers 200 with a renewed token", reply.status == 200 and bool(renewed), reply)
    if renewed:
        mine.token = renewed
        reply = mine.call("GET", "/v1/me")
        check(f"{label}: the renewed token works", reply.status == 200, reply)
    reply = other.call("GET", "/v1/me")
    check(f"{label}: the other session is over after the password change (401)", reply.status == 401, reply)
    check(f"{label}: GET /v1/sessions lists only the session that changed the password", session_ids(mine) == {mine.id})
    check(f"{label}: the old password no longer logs in", is_error(log_in(port, username)[0], 401, "LoginFailed"))
    check(f"{label}: the new password logs in", log_in(port, username, NEW_PASSWORD)[0].status == 200)


def scenario_email_change(label, port, mailbox):
    """5. E-mail change: a confirmation to the new address, a notice to the old one; confirming switches."""
    username, old = new_user("e")
    new = f"{username}.new@example.org"
    sign_up(port, username, old)
    _, session = log_in(port, username)
    if not session:
        check(f"{label}: login before the e-mail change", False)
        return
    reply = session.call("POST", "/v1/email", {"email": new, "password": "not the password"})
    check(f"{label}: an e-mail change with a wrong password is 401 LoginFailed", is_error(reply, 401, "LoginFailed"), reply)
    reply = session.call("POST", "/v1/email", {"email": new, "password": PASSWORD})
    check(f"{label}: POST /v1/email answers 202 {{\"ok\":true}}", reply.status == 202 and reply.json == {"ok": True}, reply)
    confirmation = mailbox.wait(new, "confirm_email_change")
    check(f"{label}: the new address receives a confirmation", confirmation is not None)
    notice = mailbox.wait(old, "email_change_requested")
    check(f"{label}: the old address receives a notice naming the new address, with no link",
          notice is not None and new in notice.text and "token=" not in notice.raw.decode(errors="replace"),
          "no notice" if notice is None else notice.text[:300])
    token = link_token(confirmation, VERIFICATION_PATH)
    if not token:
        return
    reply = session.call("GET", "/v1/me")
    check(f"{label}: the address is unchanged until confirmed", reply.status == 200 and reply.json["account"]["email"] == old, reply)
    reply = call(port, "POST", "/v1/verification/confirm", {"token": token})
    account = reply.json.get("account", {}) if isinstance(reply.json, dict) else {}
    check(f"{label}: confirming makes the new address the account's, verified",
          reply.status == 200 and account.get("email") == new and account.get("emailVerified") is True, reply)
    reply = session.call("GET", "/v1/me")
    check(f"{label}: GET /v1/me shows the new address, verified",
          reply.status == 200 and reply.json["account"]["email"] == new and reply.json["account"]["emailVerified"] is True, reply)
    reply = call(port, "POST", "/v1/verification/confirm", {"token": token})
    check(f"{label}: the confirmation link works once", is_error(reply, 400, "InvalidToken"), reply)
    check(f"{label}: login (by username) still works after the change", log_in(port, username)[0].status == 200)
    reply = call(port, "POST", "/v1/recovery", {"email": new})
    check(f"{label}: recovery for the new address sends a reset link there",
          reply.status == 202 and mailbox.wait(new, "reset_password") is not None, reply)


def scenario_account_deletion(label, port, mailbox):
    """6. Deletion: the password is checked; every session ends; the username is free again."""
    username, address = new_user("d")
    sign_up(port, username, address)
    sessions = [log_in(port, username)[1] for _ in range(2)]
    if not all(sessions):
        check(f"{label}: two logins before the deletion", False)
        return
    reply = sessions[0].call("DELETE", "/v1/accounts/me", {"password": "not the password"})
    check(f"{label}: deleting with a wrong password is 401 LoginFailed", is_error(reply, 401, "LoginFailed"), reply)
    reply = sessions[0].call("DELETE", "/v1/accounts/me", {"password": PASSWORD})
    check(f"{label}: deleting with the password answers 200 {{\"ok\":true}}", reply.status == 200 and reply.json == {"ok": True}, reply)
    replies = [s.call("GET", "/v1/me") for s in sessions]
    # The session rows went with the account: their tokens are refused as tokens of a session that no
    # longer exists (404 SessionNotFound, as for a swept session), or as invalid (401).
    check(f"{label}: every session of the deleted account is over (401, or 404 SessionNotFound)",
          all(r.status == 401 or is_error(r, 404, "SessionNotFound") for r in replies),
          [(r.status, r.code) for r in replies])
    check(f"{label}: the deleted account no longer logs in", log_in(port, username)[0].status == 401)
    reply = sign_up(port, username, address)
    check(f"{label}: the username and address can be signed up again", reply.status == 201, reply)
    check(f"{label}: the new account logs in", log_in(port, username)[0].status == 200)


def scenario_require_verified_email(label, port, mailbox):
    """7. --require-verified-email: login refused until the address is verified."""
    username, address = new_user("q")
    reply = sign_up(port, username, address)
    check(f"{label}, --require-verified-email: sign-up still works", reply.status == 201, reply)
    reply, _ = log_in(port, username)
    check(f"{label}, --require-verified-email: login before verification is 403 EmailNotVerified",
          is_error(reply, 403, "EmailNotVerified"), reply)
    reply, _ = log_in(port, username, "not the password")
    check(f"{label}, --require-verified-email: a wrong password is still 401 LoginFailed (nothing learnt)",
          is_error(reply, 401, "LoginFailed"), reply)
    token = link_token(mailbox.wait(address, "verify_email"), VERIFICATION_PATH)
    if not token:
        check(f"{label}, --require-verified-email: the sign-up's verification message arrives", False)
        return
    reply = call(port, "POST", "/v1/verification/confirm", {"token": token})
    check(f"{label}, --require-verified-email: the verification link works", reply.status == 200, reply)
    reply, _ = log_in(port, username)
    check(f"{label}, --require-verified-email: login after verification is 200", reply.status == 200, reply)


def run_flows(label, database, ca):
    """Scenarios 1-7 on one database, mail over SMTP with STARTTLS and AUTH."""
    sink = SMTPSink(f"{label}-flows", "--starttls", *ca, "--auth", f"{SMTP_USER}:{SMTP_PASSWORD}")
    mail = ["--mail-url", smtp_url(sink.port, ca[0]), *LINKS]
    try:
        server = Server(f"{label}-flows", database, *mail).start()
        try:
            run(scenario_sign_up_and_verification, label, server.port, sink.mailbox)
            run(scenario_recovery, label, server.port, sink.mailbox)
            run(scenario_recovery_unknown_address, label, server.port, sink.mailbox, database)
            run(scenario_password_change, label, server.port, sink.mailbox)
            run(scenario_email_change, label, server.port, sink.mailbox)
            run(scenario_account_deletion, label, server.port, sink.mailbox)
        finally:
            server.stop()
        check(f"{label}: the server stops on SIGTERM with exit code 0", server.process.returncode == 0,
              f"exit code {server.process.returncode}")
        server = Server(f"{label}-verified", database, *mail, "--require-verified-email").start()
        try:
            run(scenario_require_verified_email, label, server.port, sink.mailbox)
        finally:
            server.stop()
    finally:
        sink.stop()


# MARK: - Several servers, and crashes

def scenario_two_servers(database, ca):
    """8. Two servers on one database: a reset through one ends the sessions the other serves."""
    sink = SMTPSink("pg-two", "--starttls", *ca, "--auth", f"{SMTP_USER}:{SMTP_PASSWORD}")
    mail = ["--mail-url", smtp_url(sink.port, ca[0]), *LINKS]
    a = b = None
    try:
        a = Server("pg-a", database, *mail).start()
        b = Server("pg-b", database, *mail).start()
        username, address = new_user("t")
        sign_up(a.port, username, address)
        _, on_a = log_in(a.port, username)
        _, on_b = log_in(b.port, username)
        check("postgres: logged in on server A and on server B", bool(on_a and on_b))
        if not (on_a and on_b):
            return
        check("postgres: server B serves a session started on A", on_a.call("GET", "/v1/me", port=b.port).status == 200)
        check("postgres: each server serves its own session",
              on_a.call("GET", "/v1/me").status == 200 and on_b.call("GET", "/v1/me").status == 200)
        reply = call(a.port, "POST", "/v1/recovery", {"email": address})
        token = link_token(sink.mailbox.wait(address, "reset_password"), RECOVERY_PATH) if reply.status == 202 else None
        check("postgres: recovery requested on server A sends its link", token is not None, reply)
        if not token:
            return
        reply = call(a.port, "POST", "/v1/recovery/confirm", {"token": token, "password": NEW_PASSWORD})
        check("postgres: the password is reset through server A", reply.status == 200, reply)
        reply = on_b.call("GET", "/v1/me")
        check("postgres: after the reset on A, the session on server B is refused (401)", reply.status == 401, reply)
        reply = on_a.call("GET", "/v1/me", port=b.port)
        check("postgres: after the reset on A, A's session is refused by B too (401)", reply.status == 401, reply)
        reply = on_a.call("GET", "/v1/me")
        check("postgres: after the reset on A, the session on server A is refused (401)", reply.status == 401, reply)
        check("postgres: the new password logs in on server B", log_in(b.port, username, NEW_PASSWORD)[0].status == 200)
    finally:
        for server in (a, b):
            if server:
                server.stop()
        sink.stop()


def scenario_outbox_survives_sigkill(label, database, ca):
    """9. A message queued while the mail server is down survives a SIGKILL and is delivered once."""
    port = free_port()          # nothing listens here yet
    mail = ["--mail-url", smtp_url(port, ca[0]), *LINKS]
    username, address = new_user("o")
    server = Server(f"{label}-outbox-1", database, *mail).start()
    try:
        sign_up(server.port, username, address)
        reply = call(server.port, "POST", "/v1/recovery", {"email": address})
        check(f"{label}: recovery is accepted while the mail server is down (202)", reply.status == 202, reply)
        attempted = wait_for_outbox(database, lambda m: m["to"] == address and m["kind"] == "reset_password"
                                    and m["attempts"] >= 1, limit=15)
        check(f"{label}: the first delivery attempt failed and the message waits for another",
              attempted is not None and attempted["status"] == "pending" and bool(attempted.get("lastError")), attempted)
    finally:
        server.kill()
    check(f"{label}: the server was killed by SIGKILL", server.process.returncode == -signal.SIGKILL, server.process.returncode)
    sink = SMTPSink(f"{label}-outbox", "--starttls", *ca, "--auth", f"{SMTP_USER}:{SMTP_PASSWORD}", port=port)
    server = Server(f"{label}-outbox-2", database, *mail).start()
    try:
        mail_after = sink.mailbox.wait(address, "reset_password", limit=RETRY_WAIT)
        check(f"{label}: after the restart the queued reset message is delivered", mail_after is not None)
        time.sleep(3)
        count = len(sink.mailbox.matching(address, "reset_password"))
        check(f"{label}: it is delivered exactly once", count == 1, f"{count} copies")
        token = link_token(mail_after, RECOVERY_PATH)
        if token:
            reply = call(server.port, "POST", "/v1/recovery/confirm", {"token": token, "password": NEW_PASSWORD})
            check(f"{label}: its link still works", reply.status == 200, reply)
    finally:
        server.stop()
        sink.stop()


# MARK: - Delivery failures and the other transports (SQLite)

def scenario_temporary_failure(ca):
    """10. An SMTP 451 then 250: delivered exactly once, after the retry delay."""
    database = os.path.join(WORKDIR, "temporary.sqlite")
    sink = SMTPSink("temporary", "--fail-first", "1")
    server = Server("temporary", database, "--mail-url", f"smtp://127.0.0.1:{sink.port}", *LINKS).start()
    try:
        username, address = new_user("f")
        began = time.monotonic()
        sign_up(server.port, username, address)
        refused = wait_for_outbox(database, lambda m: m["to"] == address and m["attempts"] >= 1, limit=15)
        check("smtp 451: the first attempt is refused with 451 and the message waits (pending)",
              refused is not None and refused["status"] == "pending" and "451" in (refused.get("lastError") or ""), refused)
        mail = sink.mailbox.wait(address, "verify_email", limit=RETRY_WAIT)
        check(f"smtp 451: the message is delivered on a later attempt (within {RETRY_WAIT:g} s)", mail is not None)
        if mail is not None:
            note(f"delivered {time.monotonic() - began:.1f} s after the sign-up (the retry policy waits 10 s; "
                 "no serve flag or variable shortens it)")
        time.sleep(2)
        count = len(sink.mailbox.matching(address))
        check("smtp 451: exactly one copy is delivered", count == 1, f"{count} copies")
        entry = wait_for_outbox(database, lambda m: m["to"] == address, limit=5)
        check("smtp 451: the outbox marks it sent", entry is not None and entry["status"] == "sent", entry)
    finally:
        server.stop()
        sink.stop()


def scenario_permanent_failure(ca):
    """11. An SMTP 550 marks the message failed; `gatehouse mail retry` sends it again."""
    database = os.path.join(WORKDIR, "permanent.sqlite")
    sink = SMTPSink("permanent-reject", "--reject")
    server = Server("permanent", database, "--mail-url", f"smtp://127.0.0.1:{sink.port}", *LINKS).start()
    try:
        username, address = new_user("x")
        sign_up(server.port, username, address)
        failed = wait_for_outbox(database, lambda m: m["to"] == address, limit=15, failed=True)
        check("smtp 550: the message is marked failed (mail list --failed --json)",
              failed is not None and failed["status"] == "failed" and "550" in (failed.get("lastError") or ""), failed)
        if failed is None:
            return
        port = sink.port
        sink.stop()
        sink = SMTPSink("permanent-accept", port=port)
        result = admin(database, "mail", "retry", failed["id"])
        check("smtp 550: `gatehouse mail retry ID` accepts the failed message",
              result.returncode == 0 and "will be sent again" in result.stdout, result.stdout + result.stderr)
        mail = sink.mailbox.wait(address, "verify_email")
        check("smtp 550: after the retry the message is delivered", mail is not None)
        entry = wait_for_outbox(database, lambda m: m["id"] == failed["id"] and m["status"] == "sent", limit=10)
        check("smtp 550: the outbox marks it sent", entry is not None)
        result = admin(database, "mail", "retry", failed["id"])
        check("smtp 550: retrying a message that is not failed is refused", result.returncode != 0, result.stdout)
        token = link_token(mail, VERIFICATION_PATH)
        if token:
            reply = call(server.port, "POST", "/v1/verification/confirm", {"token": token})
            check("smtp 550: the link of the retried message works", reply.status == 200, reply)
    finally:
        server.stop()
        sink.stop()


def scenario_tls_verification(ca):
    """STARTTLS verifies the server's certificate: an untrusted one, or one for another name, is refused."""
    wrong_name = make_certificate("other", "other.example")
    cases = [("a certificate not trusted (no ca=: the system's roots)", ca, None),
             ("a trusted certificate for another name", wrong_name, wrong_name[0])]
    for index, (what, certificate, trusted) in enumerate(cases):
        database = os.path.join(WORKDIR, f"tls{index}.sqlite")
        sink = SMTPSink(f"tls{index}", "--starttls", *certificate, "--auth", f"{SMTP_USER}:{SMTP_PASSWORD}")
        server = Server(f"tls{index}", database, "--mail-url", smtp_url(sink.port, trusted), *LINKS).start()
        try:
            username, address = new_user("s")
            sign_up(server.port, username, address)
            refused = wait_for_outbox(database, lambda m: m["to"] == address and m["attempts"] >= 1, limit=15)
            error = (refused or {}).get("lastError") or ""
            check(f"smtp tls: {what} is refused (the message waits, nothing is sent)",
                  refused is not None and refused["status"] == "pending" and "TLS" in error
                  and not sink.mailbox.matching(address), refused)
        finally:
            server.stop()
            sink.stop()


def scenario_http_transport():
    """12. The HTTP transport: a JSON POST signed with HMAC-SHA256 of "<t>.<body>"."""
    sink = HTTPSink()
    database = os.path.join(WORKDIR, "http.sqlite")
    server = Server("http", database, "--mail-url", f"http://127.0.0.1:{sink.port}/hooks/mail",
                    "--mail-secret", MAIL_SECRET, *LINKS).start()
    try:
        username, address = new_user("h")
        sign_up(server.port, username, address)
        deadline = time.monotonic() + MAIL_WAIT
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.2)
        check("http: the message is POSTed to the endpoint", len(sink.received) >= 1)
        if not sink.received:
            return
        post = sink.received[0]
        headers = {k.lower(): v for k, v in post["headers"].items()}
        body = post["body"]
        payload = json.loads(body)
        check("http: the body is JSON with id, from, to, subject, text and html, to the account's address",
              set(payload) == {"id", "from", "to", "subject", "text", "html"} and payload["to"] == address
              and post["path"] == "/hooks/mail" and headers.get("content-type", "").startswith("application/json"),
              f"{post['path']} {sorted(payload)}")
        check("http: Gatehouse-Message-Id repeats the message id", headers.get("gatehouse-message-id") == payload["id"])
        match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers.get("gatehouse-signature", ""))
        check("http: Gatehouse-Signature is t=<unix seconds>,v1=<hex>", match is not None, headers.get("gatehouse-signature"))
        if match:
            stamp, signature = match.groups()

            def sign(key, message):
                return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()

            check("http: the signature is HMAC-SHA256 of \"<t>.<body>\" with --mail-secret",
                  hmac.compare_digest(signature, sign(MAIL_SECRET, stamp.encode() + b"." + body)))
            check("http: a signature computed with another secret does not match",
                  signature != sign(MAIL_SECRET + "x", stamp.encode() + b"." + body))
            check("http: a signature computed over the body alone does not match", signature != sign(MAIL_SECRET, body))
            check("http: a signature computed over another timestamp does not match",
                  signature != sign(MAIL_SECRET, str(int(stamp) + 1).encode() + b"." + body))
            check("http: the timestamp is the time of sending", abs(int(stamp) - post["at"]) < 60, stamp)
        match = re.search(r"\S+\?token=([A-Za-z0-9_-]+)", payload["text"])
        if match:
            SEEN_TOKENS.add(match.group(1))
        check("http: the text holds the verification link", match is not None and match.group(0).startswith(PUBLIC_URL + VERIFICATION_PATH))
        if match:
            reply = call(server.port, "POST", "/v1/verification/confirm", {"token": match.group(1)})
            check("http: the link verifies the address", reply.status == 200 and reply.json["account"]["emailVerified"] is True, reply)
    finally:
        server.stop()
        sink.stop()


def scenario_default_file_courier():
    """13. No --mail-url: .eml files of mode 0600 in ./gatehouse-mail/, readable with the README's grep."""
    cwd = os.path.join(WORKDIR, "default")
    os.makedirs(cwd)
    directory = os.path.join(cwd, "gatehouse-mail")
    server = Server("default", None, cwd=cwd).start()
    try:
        check("default courier: the start-up log names the gatehouse-mail directory",
              f"e-mail goes to files in {directory}" in server.log(), tail(server.log_path, 12))
        mailbox = Mailbox(directory)
        username, address = new_user("m")
        sign_up(server.port, username, address)
        verification = mailbox.wait(address, "verify_email")
        check("default courier: the sign-up's message is written to ./gatehouse-mail/", verification is not None)
        if verification is None:
            return
        if verification.link()[1] is None:
            check("default courier: the message holds a verification link", False)
        reply = call(server.port, "POST", "/v1/recovery", {"email": address})
        reset = mailbox.wait(address, "reset_password") if reply.status == 202 else None
        check("default courier: the recovery message is written too", reset is not None, reply)
        if reset is None:
            return
        reset.link()
        modes = {os.path.basename(p): oct(os.stat(p).st_mode & 0o777) for p in (verification.path, reset.path)}
        check("default courier: every .eml file is mode 0600", set(modes.values()) == {"0o600"}, modes)
        check("default courier: the directory is mode 0700", os.stat(directory).st_mode & 0o777 == 0o700,
              oct(os.stat(directory).st_mode & 0o777))
        # The README's walk-through, word for word.
        walk = subprocess.run(["bash", "-c", "RESET=$(ls -t gatehouse-mail/*.eml | head -1)\n"
                               "grep -o 'token=[A-Za-z0-9_-]*' \"$RESET\" | head -1 | cut -d= -f2"],
                              cwd=cwd, capture_output=True, text=True, timeout=30)
        token = walk.stdout.strip()
        check("default courier: the README's grep finds the whole token in the newest message",
              token != "" and token == reset.link()[1], f"grep found {token!r}, the message holds {reset.link()[1]!r}")
        reply = call(server.port, "POST", "/v1/recovery/confirm", {"token": token, "password": NEW_PASSWORD})
        check("default courier: the README's reset answers {\"ok\":true}", reply.status == 200 and reply.json == {"ok": True}, reply)
        reply = call(server.port, "POST", "/v1/recovery/confirm", {"token": token, "password": "another passphrase here"})
        check("default courier: and the second use is 400 InvalidToken", is_error(reply, 400, "InvalidToken"), reply)
        check("default courier: the database is the default ./gatehouse.sqlite", os.path.exists(os.path.join(cwd, "gatehouse.sqlite")))
    finally:
        server.stop()


def scenario_templates():
    """14. --templates DIR: a template of DIR/mail/ replaces the built-in one; the others stay."""
    templates = os.path.join(WORKDIR, "templates")
    os.makedirs(os.path.join(templates, "mail"))
    with open(os.path.join(templates, "mail", "reset_password.subject.mustache"), "w") as f:
        f.write("Custom reset for {{username}} at {{brand}}")
    with open(os.path.join(templates, "mail", "reset_password.text.mustache"), "w") as f:
        f.write("CUSTOM-RESET-TEMPLATE\nHi {{username}}, choose a new password here: {{link}}\nValid for {{expires_in}}.\n")
    outbox_dir = os.path.join(WORKDIR, "templates-out")
    server = Server("templates", os.path.join(WORKDIR, "templates.sqlite"), "--templates", templates,
                    "--mail-url", "file://" + outbox_dir, *LINKS).start()
    try:
        mailbox = Mailbox(outbox_dir)
        username, address = new_user("c")
        sign_up(server.port, username, address)
        verification = mailbox.wait(address)
        check("templates: a message without an override uses the built-in template",
              verification is not None and verification.kind == "verify_email", verification and verification.subject)
        if verification:
            verification.link()
        call(server.port, "POST", "/v1/recovery", {"email": address})
        reset = mailbox.wait(address)
        check("templates: the overridden subject is used", reset is not None and reset.subject == f"Custom reset for {username} at Gatehouse",
              reset and reset.subject)
        if reset is None:
            return
        check("templates: the overridden text is used, with the values filled in",
              reset.text.startswith("CUSTOM-RESET-TEMPLATE") and f"Hi {username}," in reset.text and "Valid for 1 hour" in reset.text,
              reset.text[:300])
        check("templates: the part not overridden (HTML) stays built-in", "Choose a new password" in reset.html, reset.html[:200])
        token = link_token(reset, RECOVERY_PATH)
        if token:
            reply = call(server.port, "POST", "/v1/recovery/confirm", {"token": token, "password": NEW_PASSWORD})
            check("templates: the link of the custom template works", reply.status == 200, reply)
    finally:
        server.stop()


# MARK: - Logs

def scenario_no_secret_in_logs():
    """15. No token, link, SMTP password or secret in any log line of any server or admin command."""
    texts = {}
    for name in sorted(os.listdir(LOG_DIR)):
        if name.startswith("server-") or name == "admin.log":
            with open(os.path.join(LOG_DIR, name), "rb") as f:
                texts[name] = f.read().decode(errors="replace")
    lines = sum(text.count("\n") for text in texts.values())
    note(f"{len(texts)} logs, {lines} lines; {len(SEEN_TOKENS)} tokens seen (links and auth tokens)")
    check("logs: there is something to look at", len(texts) >= 10 and lines > 100, f"{len(texts)} logs, {lines} lines")
    leaks = [(name, token[:12]) for token in SEEN_TOKENS for name, text in texts.items() if token in text]
    check("logs: no link token or auth token appears in any log", not leaks, leaks[:5])
    links = [(name, line[:160]) for name, text in texts.items() for line in text.splitlines() if "token=" in line]
    check("logs: no line holds a token= link", not links, links[:3])
    for what, secret in (("SMTP password", SMTP_PASSWORD), ("SMTP password, percent-encoded", urllib.parse.quote(SMTP_PASSWORD, safe="")),
                         ("--mail-secret", MAIL_SECRET), ("--secret", SECRET)):
        found = [name for name, text in texts.items() if secret in text]
        check(f"logs: the {what} appears in no log", not found, found)


# MARK: - Running

def run(function, *arguments):
    """Runs one scenario; an exception is a failed check rather than the end of the run."""
    label = next((a for a in arguments[:1] if a in ("sqlite", "postgres")), None)
    name = f"{function.__name__} ({label})" if label else function.__name__
    began = time.monotonic()
    try:
        function(*arguments)
    except Exception as error:   # noqa: BLE001 — reported as a failure, the run goes on
        check(f"{name} ran to its end", False, f"{type(error).__name__}: {error}")
    note(f"{name}: {time.monotonic() - began:.1f} s")


def make_certificate(name="smtp", host="localhost", names="DNS:localhost,IP:127.0.0.1"):
    """A throwaway self-signed certificate: (certificate, key); by default for localhost and 127.0.0.1."""
    certificate, key = os.path.join(WORKDIR, f"{name}-cert.pem"), os.path.join(WORKDIR, f"{name}-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-subj", f"/CN={host}", "-addext", f"subjectAltName={names if host == 'localhost' else 'DNS:' + host}",
                    "-days", "1"], check=True, capture_output=True, timeout=60)
    return certificate, key


def main():
    began = time.monotonic()
    os.makedirs(LOG_DIR)
    cluster_started = False
    try:
        if not os.environ.get("GATEHOUSE_FLOWS_BINARY") and not os.path.exists(BINARY):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        if shutil.which("openssl") is None:
            raise SystemExit("the openssl command makes the throwaway SMTP certificates: apt-get install openssl")
        print(f"account flows test: {BINARY}; files in {WORKDIR}")
        ca = make_certificate()
        run(run_flows, "sqlite", os.path.join(WORKDIR, "flows.sqlite"), ca)
        cluster("start")
        cluster_started = True
        database = cluster.url()
        run(run_flows, "postgres", database, ca)
        run(scenario_two_servers, database, ca)   # PostgreSQL only
        run(scenario_outbox_survives_sigkill, "postgres", database, ca)
        cluster("stop")
        cluster_started = False
        run(scenario_outbox_survives_sigkill, "sqlite", os.path.join(WORKDIR, "outbox.sqlite"), ca)
        run(scenario_temporary_failure, ca)
        run(scenario_permanent_failure, ca)
        run(scenario_tls_verification, ca)
        run(scenario_http_transport)
        run(scenario_default_file_courier)
        run(scenario_templates)
        run(scenario_no_secret_in_logs)
    finally:
        for process in PROCESSES:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=15)
        if cluster_started:
            cluster("stop")
        if FAILED:
            for name in sorted(os.listdir(LOG_DIR)):
                print(f"--- the last lines of {name}:")
                print(tail(os.path.join(LOG_DIR, name), 10))
        if os.environ.get("GATEHOUSE_FLOWS_KEEP"):
            print(f"       files kept in {WORKDIR}")
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)
    print(f"       {time.monotonic() - began:.0f} s in all")
    print(f"account_flows: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
