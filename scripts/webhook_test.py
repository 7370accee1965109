#!/usr/bin/env python3
"""The audit log of `gatehouse serve` and its signed webhooks, end to end: a real server on a fresh SQLite
file posting every security event to a receiver in this script, which checks each call on its own with
hmac, hashlib and base64 as the Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the base64 after
`whsec_`; a timestamp within 5 minutes), and that same log read back through GET /v1/activity and
`gatehouse audit list`.

Covered, each a named check:
 1. webhooks: the receiver answers 503 to the first 2 attempts of every webhook-id and 204 after. A flow
    (sign-up, a wrong password, two logins, a password change from one session that ends the other, a
    logout, `gatehouse accounts deactivate` and `reactivate` with GATEHOUSE_WEBHOOK_URLS set) is announced
    within 90 s: each event exactly once per event id after de-duplication by webhook-id, nothing else
    about the account; every call validly signed, application/json, in the {type, timestamp, data} shape;
    every webhook-id attempted at least 3 times with the same body, the retries --webhook-retry-delay
    apart and doubling; data.accountId, data.actor (user for the client's events, operator for the admin
    commands), data.sessionId, clientAddress and userAgent right; no body holds a password, a token or
    the e-mail address; the receiver's verifier itself agrees with the specification's published
    example and refuses a changed body, another key and an old timestamp;
 2. the same events through GET /v1/activity (newest first, exactly the webhooks' data, the right types
    and session ids, `limit`/`before` paging, only the caller's account, 400 InvalidRequest for limit=0,
    101, abc and before=not-a-ulid, 401 without a session) and `gatehouse audit list --json` (with
    --account the same events with the username; without it the other account's events and the first
    start's signing_key.rotated, actor system, its kid in the JWKS; --limit, --since);
 3. crash safety: with the receiver refusing everything, 3 wrong passwords and a login, then SIGKILL,
    the receiver accepting again and the server restarted on the same database: each of those events is
    delivered exactly once after de-duplication, under the webhook-id it was attempted with before the
    kill, and no event of the audit log is left undelivered;
 4. settings: --audit-retention 30d starts, --audit-retention nonsense stops the server naming the flag;
    --webhook-url without a secret, and a secret not in whsec_ form (flag or environment), stop it
    without echoing the secret;
 5. no server log or admin command output holds the webhook secret, a password or a session token.

Knobs (environment): GATEHOUSE_WEBHOOK_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing or without --webhook-url), GATEHOUSE_WEBHOOK_KEEP (set: keep the work folder with the logs).

Loopback only; every wait is bounded and the whole run is held to OVERALL_LIMIT seconds; only the
processes this script started are stopped, by their id.
"""
import base64
import collections
import datetime
import hashlib
import hmac
import http.server
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import testkit
from testkit import (answers_health, check, free_port, json_request, note, run, server_environment, spawn,
                     stop, wait_for, while_relinking)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_WEBHOOK_BINARY"]) if os.environ.get("GATEHOUSE_WEBHOOK_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_WEBHOOK_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-webhook.")

RUN_ID = f"{random.randrange(16 ** 4):04x}"
USERNAME = f"hook_{RUN_ID}"
OTHER_USERNAME = f"hookother_{RUN_ID}"
EMAIL = f"{USERNAME}@example.com"
OTHER_EMAIL = f"{OTHER_USERNAME}@example.com"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = f"a new and better passphrase {RUN_ID}"
WRONG_PASSWORD = f"not the password {RUN_ID}"
# Session tokens are bound to the user agent that logged in: every request of this script sends this one.
USER_AGENT = f"webhook-test-{RUN_ID}"

SECRET_KEY = os.urandom(32)
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()
HOOK_PATH = f"/hooks/gatehouse-{RUN_ID}"
RETRY_DELAY = 1.0       # --webhook-retry-delay: 1 s, then 2 s, 4 s...
REFUSALS_PER_ID = 2     # the receiver answers 503 to this many attempts of each webhook-id, then 204
TOLERANCE = 300         # a webhook-timestamp may be this far from the receiver's clock (5 minutes)
# The limits under test here are none: login throttling stays out of the way.
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m"]
START_WAIT = 60.0
DELIVERY_WAIT = 90.0    # every event of the flow is delivered this soon (3 attempts: 0 s, 1 s, 3 s, plus polls)
REFUSED_WAIT = 30.0     # each event of the crash phase is attempted (and refused) once this soon
# After the restart: a message claimed at the very moment of the SIGKILL is leased for 120 s before it is
# claimed again, so the bound leaves room for that (rare) case.
CRASH_WAIT = 150.0
OVERALL_LIMIT = 600     # the whole run, builds excluded
RELINK_WAIT = 60.0
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
DATA_KEYS = {"id", "type", "occurredAt", "accountId", "sessionId", "actor", "clientAddress", "userAgent", "details"}
DATA_REQUIRED = {"id", "type", "occurredAt", "actor", "details"}
LIST_KEYS = DATA_KEYS | {"username"}
CLIENT_EVENTS = ["account.created", "login.failed", "login.succeeded", "password.changed", "session.revoked", "logout"]
OPERATOR_EVENTS = ["account.deactivated", "account.reactivated"]
ANY = object()          # an expected session id that is not checked

SECRETS = {SECRET, SECRET[len("whsec_"):], PASSWORD, NEW_PASSWORD, WRONG_PASSWORD}   # in no log
TOKENS = set()          # every session token this run saw: in no webhook body, no log
PROCESSES = []          # every process this script started


class OutOfTime(BaseException):
    """Raised by SIGALRM when the run passes OVERALL_LIMIT; not an Exception, so no scenario swallows it."""


# MARK: - The receiver

def signature_problems(key, webhook_id, timestamp, signatures, body, now):
    """What is wrong with one call's signature, as the Standard Webhooks specification checks it: the
    HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with `key`, base64, against every `v1,` entry of the
    space-separated `signatures`; the timestamp in integer seconds within TOLERANCE of `now`. An empty list
    when it is right."""
    problems = []
    if not webhook_id:
        problems.append("no webhook-id")
    if not timestamp or not re.fullmatch(r"[0-9]+", timestamp):
        problems.append(f"webhook-timestamp {timestamp!r} is not integer seconds")
    elif abs(now - int(timestamp)) > TOLERANCE:
        problems.append(f"webhook-timestamp {timestamp} is {now - int(timestamp):.0f} s off")
    if not signatures:
        problems.append("no webhook-signature")
    if problems:
        return problems
    content = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    entries = [entry.partition(",") for entry in signatures.split(" ") if entry]
    if not any(version == "v1" and hmac.compare_digest(value.encode(), expected.encode()) for version, _, value in entries):
        problems.append("no v1 signature matches")
    return problems


class Attempt:
    """One POST the receiver got."""

    def __init__(self, path, headers, body, problems, status):
        self.path = path
        self.webhook_id = headers.get("webhook-id")
        self.timestamp = headers.get("webhook-timestamp")
        self.content_type = headers.get("content-type")
        self.body = body
        self.problems = problems
        self.status = status
        self.at = time.monotonic()
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    @property
    def data(self):
        data = self.json.get("data") if isinstance(self.json, dict) else None
        return data if isinstance(data, dict) else {}

    @property
    def event_id(self):
        return self.data.get("id")

    @property
    def accepted(self):
        return self.status == 204


class Receiver:
    """A webhook endpoint on 127.0.0.1: verifies every call on its own, answers 503 to the first
    REFUSALS_PER_ID attempts of each webhook-id (to all of them while `refusing`), 204 after, and keeps
    every attempt."""

    def __init__(self, key):
        self.key = key
        self.lock = threading.Lock()
        self.refusing = False
        self.attempts = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def do_POST(self):
                body = self.read_body()
                status = receiver.receive(self.path, self.headers, body)
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Length", "0")
                self.end_headers()

            def read_body(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{HOOK_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

    def receive(self, path, headers, body):
        problems = signature_problems(self.key, headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                      headers.get("webhook-signature"), body, time.time())
        if path != HOOK_PATH:
            problems.append(f"posted to {path}")
        if (headers.get("content-type") or "").split(";")[0].strip().lower() != "application/json":
            problems.append(f"content-type {headers.get('content-type')!r}")
        with self.lock:
            earlier = sum(1 for attempt in self.attempts if attempt.webhook_id == headers.get("webhook-id"))
            if problems:
                status = 400
            elif self.refusing or earlier < REFUSALS_PER_ID:
                status = 503
            else:
                status = 204
            self.attempts.append(Attempt(path, headers, body, problems, status))
        return status

    def snapshot(self):
        with self.lock:
            return list(self.attempts)

    def accepted(self):
        return [attempt for attempt in self.snapshot() if attempt.accepted]

    def delivered_events(self):
        """{event id: data} of every accepted call."""
        return {attempt.event_id: attempt.data for attempt in self.accepted() if attempt.event_id}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# MARK: - HTTP

class Reply(testkit.Reply):
    """testkit's Reply, recording the session tokens it carries in TOKENS."""

    def __init__(self, status, headers, raw):
        super().__init__(status, headers, raw)
        for value in (self.header("Auth-Token"), self.field("authToken")):
            if value:
                TOKENS.add(value)


def call(port, method, path, body=None, token=None):
    return Reply(*json_request(port, method, path, body=body, token=token, user_agent=USER_AGENT))


class Session:
    """A logged-in client keeping the token every answer renews."""

    def __init__(self, port, login):
        self.port = port
        self.token = login.field("authToken")
        self.id = login.json["session"]["id"]
        self.account_id = login.json["account"]["accountId"]

    def call(self, method, path, body=None):
        reply = call(self.port, method, path, body, self.token)
        self.token = reply.header("Auth-Token") or reply.field("authToken") or self.token
        return reply


def log_in(port, username, password):
    """(reply, Session or None)."""
    reply = call(port, "POST", "/v1/login", {"username": username, "password": password})
    return reply, (Session(port, reply) if reply.status == 200 and reply.field("authToken") else None)


# MARK: - Processes

def webhook_flags(receiver):
    return ["--webhook-url", receiver.url, "--webhook-secret", SECRET, "--webhook-retry-delay", f"{RETRY_DELAY:g}s"]


class Server:
    """One `gatehouse serve` on a free loopback port, on `database` (a new SQLite file in its folder when
    None), its output in a log."""

    def __init__(self, name, *flags, database=None):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.database = database or os.path.join(self.dir, "gatehouse.sqlite")
        self.log_path = os.path.join(self.dir, "server.log")
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", self.database, "--log-level", "debug",
                     *LIMITS, *flags]
        with open(self.log_path, "wb") as log:
            self.process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=server_environment())
        if answers_health(self.process, self.port, START_WAIT):
            return
        stop(self.process)
        raise RuntimeError(f"server {name} did not start (exit code {self.process.poll()}): {self.log_tail()}")

    def stop(self):
        stop(self.process)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=20):
        return "\n".join([line for line in self.log().splitlines() if " debug " not in line][-lines:])


def admin(database, *arguments, settings=None):
    """`gatehouse ARGUMENTS --database DATABASE` with `settings` in its environment: (exit code, standard
    output, standard error); the output goes to admin.log, which is checked for secrets."""
    result = while_relinking(lambda: subprocess.run([BINARY, *arguments, "--database", database], cwd=WORKDIR,
                                                    capture_output=True, text=True, timeout=60,
                                                    env=server_environment(**(settings or {}))), RELINK_WAIT)
    with open(os.path.join(WORKDIR, "admin.log"), "a") as log:
        log.write(f"$ gatehouse {' '.join(arguments)}\n{result.stdout}{result.stderr}")
    return result.returncode, result.stdout, result.stderr


def audit_list(database, *arguments):
    """The events of `gatehouse audit list --json ARGUMENTS`, or None when it failed (noted)."""
    code, output, errors = admin(database, "audit", "list", "--json", *arguments)
    if code != 0:
        note(f"gatehouse audit list {' '.join(arguments)} failed ({code}): {errors.strip()[:300]}")
        return None
    try:
        return json.loads(output)["events"]
    except (ValueError, KeyError, TypeError):
        note(f"gatehouse audit list {' '.join(arguments)} printed no {{\"events\"}}: {output[:300]}")
        return None


def refused_start(flags, settings=None):
    """Starts `gatehouse serve` meant to refuse its settings: (exit code, output)."""
    directory = tempfile.mkdtemp(dir=WORKDIR, prefix="refused.")
    process = spawn([BINARY, "serve", "--port", str(free_port()), "--database", os.path.join(directory, "gatehouse.sqlite"),
                     *flags], PROCESSES, RELINK_WAIT,
                    cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=server_environment(**(settings or {})))
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process)
        output = b"(still running after 30 s)"
    text = output.decode(errors="replace")
    with open(os.path.join(directory, "server.log"), "w") as log:
        log.write(text)
    return process.returncode, text


# MARK: - Helpers

def rfc3339(text):
    """A datetime of an RFC 3339 time with a zone, else None."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text):
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def shape_problems(data, keys=DATA_KEYS, required=DATA_REQUIRED):
    """What is wrong with one published event's shape."""
    problems = []
    if not isinstance(data, dict):
        return ["not an object"]
    if not required <= set(data):
        problems.append(f"lacks {sorted(required - set(data))}")
    if not set(data) <= keys:
        problems.append(f"has {sorted(set(data) - keys)}")
    if not ULID.match(str(data.get("id"))):
        problems.append(f"id {data.get('id')!r} is no ULID")
    if rfc3339(data.get("occurredAt")) is None:
        problems.append(f"occurredAt {data.get('occurredAt')!r} is not RFC 3339")
    if not isinstance(data.get("details"), dict) or not all(isinstance(v, str) for v in data.get("details", {}).values()):
        problems.append(f"details {data.get('details')!r}")
    return problems


def canonical(events, pairs):
    """`pairs` (aligned with `events`) with each run of events of one occurredAt sorted: ULIDs order events
    of the same millisecond at random, so only the order between milliseconds is the server's."""
    result, i = [], 0
    while i < len(events):
        j = i
        while j < len(events) and events[j].get("occurredAt") == events[i].get("occurredAt"):
            j += 1
        result += sorted(pairs[i:j], key=repr)
        i = j
    return result


def pair(kind, session):
    """(type, session id) as the activity is compared: the session of a session.revoked is not checked."""
    return (kind, "*" if kind == "session.revoked" or session is ANY else session)


class World:
    """What the scenarios share."""

    def __init__(self, receiver):
        self.receiver = receiver
        self.server = None
        self.database = None
        self.account_id = None
        self.sessions = {}        # name -> session id
        self.flow = []            # (type, session id or ANY, actor) of the flow's events, oldest first
        self.flow_ids = set()     # their event ids, from the webhooks
        self.servers = []


# MARK: - Scenarios

def scenario_verifier():
    """1, the receiver itself: its check agrees with the specification and refuses what it should."""
    example_key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    problems = signature_problems(example_key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                                  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1614265330)
    check("verifier: it accepts the Standard Webhooks specification's published example", not problems, problems)
    problems = signature_problems(example_key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                                  "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1614265330)
    check("verifier: it accepts a header of several signatures when one matches", not problems, problems)
    now = int(time.time())
    good = "v1," + base64.b64encode(hmac.new(SECRET_KEY, f"msg_1.{now}.".encode() + body, hashlib.sha256).digest()).decode()
    check("verifier: it accepts a call signed with this run's secret", not signature_problems(SECRET_KEY, "msg_1", str(now), good, body, now))
    check("verifier: it refuses the body changed by one byte", signature_problems(SECRET_KEY, "msg_1", str(now), good, body[:-1] + b"5", now))
    check("verifier: it refuses another webhook-id", signature_problems(SECRET_KEY, "msg_2", str(now), good, body, now))
    check("verifier: it refuses another key", signature_problems(os.urandom(32), "msg_1", str(now), good, body, now))
    check("verifier: it refuses a v2 entry with the right value", signature_problems(SECRET_KEY, "msg_1", str(now), "v2," + good[3:], body, now))
    check("verifier: it refuses a timestamp 6 minutes old",
          signature_problems(SECRET_KEY, "msg_1", str(now), good, body, now + 360))


def scenario_flow(world):
    """1: the flow, its webhooks."""
    receiver = world.receiver
    server = Server("main", *webhook_flags(receiver))
    world.server, world.database = server, server.database
    world.servers.append(server)
    expect = world.flow
    operator = {"GATEHOUSE_WEBHOOK_URLS": receiver.url}

    reply = call(server.port, "POST", "/v1/accounts", {"username": USERNAME, "email": EMAIL, "password": PASSWORD})
    check("flow: sign-up answers 201", reply.status == 201, reply)
    if reply.status != 201:
        return
    world.account_id = reply.json["account"]["accountId"]
    expect.append(("account.created", None, "user"))

    reply = call(server.port, "POST", "/v1/login", {"username": USERNAME, "password": WRONG_PASSWORD})
    check("flow: a wrong password is 401 LoginFailed", reply.status == 401 and reply.code == "LoginFailed", reply)
    expect.append(("login.failed", None, "user"))

    reply, first = log_in(server.port, USERNAME, PASSWORD)
    check("flow: a first login answers 200", first is not None, reply)
    reply, second = log_in(server.port, USERNAME, PASSWORD)
    check("flow: a second login answers 200, another session", second is not None and first is not None and second.id != first.id, reply)
    if first is None or second is None:
        return
    world.sessions.update(first=first.id, second=second.id)
    expect += [("login.succeeded", first.id, "user"), ("login.succeeded", second.id, "user")]

    reply = first.call("POST", "/v1/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    check("flow: POST /v1/password from the first session answers 200 with its token renewed",
          reply.status == 200 and reply.field("authToken"), reply)
    expect += [("password.changed", first.id, "user"), ("session.revoked", ANY, "user")]
    reply = second.call("GET", "/v1/me")
    check("flow: the password change ended the second session (401)", reply.status == 401, reply)
    reply = first.call("GET", "/v1/me")
    check("flow: and kept the first", reply.status == 200, reply)

    reply = first.call("POST", "/v1/logout")
    check("flow: POST /v1/logout answers 200", reply.status == 200, reply)
    expect.append(("logout", first.id, "user"))

    code, output, errors = admin(world.database, "accounts", "deactivate", USERNAME, settings=operator)
    check("flow: gatehouse accounts deactivate succeeds (GATEHOUSE_WEBHOOK_URLS set)", code == 0, f"{code}: {errors.strip()[:300]}")
    if code == 0:   # else its failure is the check above, not a 90 s wait below
        expect.append(("account.deactivated", None, "operator"))
    code, output, errors = admin(world.database, "accounts", "reactivate", USERNAME, settings=operator)
    check("flow: gatehouse accounts reactivate succeeds (GATEHOUSE_WEBHOOK_URLS set)", code == 0, f"{code}: {errors.strip()[:300]}")
    if code == 0:
        expect.append(("account.reactivated", None, "operator"))
    flow_done = time.monotonic()

    wanted = collections.Counter(kind for kind, _, _ in expect)

    def mine():
        return {i: d for i, d in receiver.delivered_events().items() if d.get("accountId") == world.account_id}

    def complete():
        have = collections.Counter(d.get("type") for d in mine().values())
        return all(have[kind] >= count for kind, count in wanted.items())

    arrived = wait_for(complete, DELIVERY_WAIT, interval=0.5)
    check(f"webhooks: every event of the flow was delivered within {DELIVERY_WAIT:.0f} s", arrived,
          dict(collections.Counter(d.get("type") for d in mine().values())))
    note(f"the last of them was accepted {time.monotonic() - flow_done:.1f} s after the flow")
    # A moment for late duplicates, if any, before counting.
    time.sleep(1.0)
    events = mine()
    world.flow_ids = set(events)
    have = collections.Counter(d.get("type") for d in events.values())
    for kind, count in sorted(wanted.items()):
        check(f"webhooks: {kind} was announced exactly {count} time{'s' if count > 1 else ''} (distinct event ids)",
              have[kind] == count, f"{have[kind]}")
    others = {kind: n for kind, n in have.items() if kind not in wanted}
    check("webhooks: nothing else about the account was announced", not others, others)

    attempts = receiver.snapshot()
    by_event = collections.defaultdict(set)
    for attempt in attempts:
        if attempt.accepted and attempt.event_id in events:
            by_event[attempt.event_id].add(attempt.webhook_id)
    duplicated = {e: sorted(ids) for e, ids in by_event.items() if len(ids) != 1}
    check("webhooks: after de-duplication by webhook-id, each event id was delivered exactly once", by_event and not duplicated,
          duplicated)
    repeats = collections.Counter(a.webhook_id for a in attempts if a.accepted)
    note(f"{len(attempts)} attempts, {len(repeats)} webhook-ids accepted, "
         f"{sum(n - 1 for n in repeats.values())} accepted again under a webhook-id already accepted")

    bad = [(a.webhook_id, a.problems) for a in attempts if a.problems]
    check("webhooks: every call was validly signed (v1 HMAC-SHA256), timestamped within 5 minutes, application/json, "
          "to the configured path", not bad and attempts, bad[:3])
    per_id = collections.defaultdict(list)
    for attempt in attempts:
        per_id[attempt.webhook_id].append(attempt)
    flow_hooks = {a.webhook_id for a in attempts if a.event_id in events}
    short = {i: len(per_id[i]) for i in flow_hooks if len(per_id[i]) < REFUSALS_PER_ID + 1}
    check(f"webhooks: every webhook-id was attempted at least {REFUSALS_PER_ID + 1} times "
          f"({REFUSALS_PER_ID} answered 503, then 204)", flow_hooks and not short, short)
    changed = [i for i in flow_hooks if len({a.body for a in per_id[i]}) != 1]
    check("webhooks: a retried call keeps its webhook-id and its body, byte for byte", flow_hooks and not changed, changed[:3])
    gaps = []
    for i in flow_hooks:
        times = [a.at for a in per_id[i]]
        if len(times) >= 3:
            gaps.append((times[1] - times[0], times[2] - times[1]))
    early = [f"{a:.2f} s, {b:.2f} s" for a, b in gaps if a < RETRY_DELAY - 0.1 or b < 2 * RETRY_DELAY - 0.1]
    check(f"webhooks: the first retry came at least {RETRY_DELAY:g} s after the first attempt, the second at least "
          f"{2 * RETRY_DELAY:g} s after that (doubling)", gaps and not early, early[:3])
    if gaps:
        note(f"retry gaps: first {min(a for a, _ in gaps):.1f}..{max(a for a, _ in gaps):.1f} s, "
             f"second {min(b for _, b in gaps):.1f}..{max(b for _, b in gaps):.1f} s")

    shapes = []
    for attempt in attempts:
        body = attempt.json
        problems = []
        if not isinstance(body, dict) or set(body) != {"type", "timestamp", "data"}:
            problems.append(f"keys {sorted(body) if isinstance(body, dict) else body!r}")
        else:
            problems += shape_problems(body["data"])
            if body["type"] != body["data"].get("type"):
                problems.append(f"type {body['type']} but data.type {body['data'].get('type')}")
            if rfc3339(body["timestamp"]) is None:
                problems.append(f"timestamp {body['timestamp']!r} is not RFC 3339")
        if problems:
            shapes.append((attempt.webhook_id, problems))
    check("webhooks: every body is {type, timestamp (RFC 3339), data} with data.type = type, data.id a ULID and "
          "only the documented data fields", attempts and not shapes, shapes[:3])

    wrong = {e: d.get("accountId") for e, d in events.items() if d.get("accountId") != world.account_id}
    check("webhooks: data.accountId is the account's", events and not wrong, wrong)
    actors = [(d["type"], d.get("actor")) for d in events.values()
              if d.get("actor") != ("operator" if d["type"] in OPERATOR_EVENTS else "user")]
    check("webhooks: data.actor is user for the client's events (logins, logout, password, sign-up) and operator for "
          "the admin commands", events and not actors, actors)
    ordered = sorted(events.values(), key=lambda d: (d.get("occurredAt"), d.get("id")))
    succeeded = [d.get("sessionId") for d in ordered if d["type"] == "login.succeeded"]
    check("webhooks: the login.succeeded events name the two sessions the logins started",
          succeeded == [first.id, second.id] or sorted(succeeded) == sorted([first.id, second.id]), succeeded)
    for kind in ("password.changed", "logout"):
        sessions = [d.get("sessionId") for d in events.values() if d["type"] == kind]
        check(f"webhooks: {kind} names the session it came from", sessions == [first.id], sessions)
    unsessioned = [(d["type"], d.get("sessionId")) for d in events.values()
                   if d["type"] in ("account.created", "login.failed", *OPERATOR_EVENTS) and d.get("sessionId")]
    check("webhooks: sign-up, the failed login and the admin commands name no session", events and not unsessioned, unsessioned)
    revoked = [d for d in events.values() if d["type"] == "session.revoked"]
    check("webhooks: the password change's session.revoked has details.scope others and a reason",
          len(revoked) == 1 and revoked[0]["details"].get("scope") == "others" and revoked[0]["details"].get("reason"),
          [d.get("details") for d in revoked])
    if revoked:
        note(f"session.revoked of the password change: details {revoked[0]['details']}, sessionId {revoked[0].get('sessionId')}")
    clients = [(d["type"], d.get("clientAddress"), d.get("userAgent")) for d in events.values() if d["type"] in CLIENT_EVENTS
               and (d.get("clientAddress") != "127.0.0.1" or d.get("userAgent") != USER_AGENT)]
    check("webhooks: the client's events carry its address (127.0.0.1) and User-Agent", events and not clients, clients)
    admins = [(d["type"], d.get("clientAddress"), d.get("userAgent")) for d in events.values() if d["type"] in OPERATOR_EVENTS
              and (d.get("clientAddress") or d.get("userAgent"))]
    check("webhooks: the admin commands' events carry no client address or User-Agent",
          any(d["type"] in OPERATOR_EVENTS for d in events.values()) and not admins, admins)

    leaks = sorted({(label, a.webhook_id) for a in attempts for label, value in
                    [("password", PASSWORD), ("new password", NEW_PASSWORD), ("wrong password", WRONG_PASSWORD),
                     ("e-mail address", EMAIL), *[("token", t) for t in TOKENS]] if value.encode() in a.body})
    check(f"privacy: no webhook body holds a password, the e-mail address or a session token ({len(TOKENS)} tokens)",
          attempts and TOKENS and not leaks, leaks[:5])


def scenario_activity(world):
    """2: GET /v1/activity and `gatehouse audit list`."""
    if not world.account_id or not world.flow_ids or world.server is None:
        check("activity: the flow left an account and its events to read", False)
        return
    server, receiver = world.server, world.receiver
    reply, third = log_in(server.port, USERNAME, NEW_PASSWORD)
    check("activity: a login with the new password answers 200", third is not None, reply)
    if third is None:
        return
    world.sessions["third"] = third.id
    # Newest first: this login, then the flow backwards.
    expected = [pair("login.succeeded", third.id)] + [pair(kind, session) for kind, session, _ in reversed(world.flow)]

    reply = third.call("GET", "/v1/activity")
    events = reply.field("events")
    check("activity: GET /v1/activity answers 200 {\"events\": [...]}", reply.status == 200 and isinstance(events, list), reply)
    if not isinstance(events, list):
        return
    shapes = [(e.get("id"), shape_problems(e)) for e in events if shape_problems(e)]
    check("activity: every event has the webhook data shape", not shapes, shapes[:3])
    ids = [e.get("id") for e in events]
    check("activity: newest first (ids descending, occurredAt never increasing)",
          ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
          and all(rfc3339(a.get("occurredAt")) and rfc3339(b.get("occurredAt")) and rfc3339(a["occurredAt"]) >= rfc3339(b["occurredAt"])
                  for a, b in zip(events, events[1:])), [(e.get("type"), e.get("occurredAt")) for e in events])
    got = [pair(e.get("type"), e.get("sessionId")) for e in events]
    check(f"activity: exactly the account's {len(expected)} events, of the right types and sessions, in order",
          len(events) == len(expected) and canonical(events, got) == canonical(events, expected), f"got {got}; expected {expected}")
    check("activity: every event is the caller's account's", all(e.get("accountId") == world.account_id for e in events),
          {e.get("accountId") for e in events})
    delivered = receiver.delivered_events()
    flow_events = [e for e in events if e.get("id") in world.flow_ids]
    this_login = {e.get("id") for e in events if e.get("type") == "login.succeeded" and e.get("sessionId") == third.id}
    check("activity: apart from this login, its events are the ones the webhooks announced (same ids)",
          set(ids) - this_login == world.flow_ids, sorted(world.flow_ids ^ (set(ids) - this_login)))
    def differences(event, fields):
        announced = delivered.get(event.get("id")) or {}
        return {f: (event.get(f), announced.get(f)) for f in fields if event.get(f) != announced.get(f)}

    different = {e.get("type"): differences(e, DATA_KEYS - {"occurredAt"}) for e in flow_events
                 if differences(e, DATA_KEYS - {"occurredAt"})}
    check("activity: each event reads exactly as its webhook's data (every field but occurredAt)", flow_events and not different,
          different)
    different = {e.get("type"): differences(e, ["occurredAt"]) for e in flow_events if differences(e, ["occurredAt"])}
    check("activity: and occurredAt is the webhook's, to the millisecond", flow_events and not different,
          f"(activity, webhook): {different}")

    # Paging.
    reply = third.call("GET", "/v1/activity?limit=3")
    page = [e.get("id") for e in reply.field("events") or []]
    check("activity: ?limit=3 gives the 3 newest", reply.status == 200 and page == ids[:3], reply)
    if page:
        reply = third.call("GET", f"/v1/activity?limit=3&before={page[-1]}")
        check("activity: ?limit=3&before=<the third id> gives the next 3",
              reply.status == 200 and [e.get("id") for e in reply.field("events") or []] == ids[3:6], reply)
    walked, before = [], None
    for _ in range(20):
        reply = third.call("GET", "/v1/activity?limit=4" + (f"&before={before}" if before else ""))
        chunk = reply.field("events") if reply.status == 200 else None
        if not chunk:
            break
        walked += [e.get("id") for e in chunk]
        before = chunk[-1].get("id")
    check("activity: walking pages of 4 with before= gives every event once, in order, then an empty page", walked == ids,
          f"{len(walked)} vs {len(ids)}")
    reply = third.call("GET", "/v1/activity?limit=100")
    check("activity: ?limit=100 is allowed", reply.status == 200 and [e.get("id") for e in reply.field("events") or []] == ids, reply)
    for query in ("limit=0", "limit=101", "limit=abc", "before=not-a-ulid"):
        reply = third.call("GET", f"/v1/activity?{query}")
        check(f"activity: ?{query} is 400 InvalidRequest", reply.status == 400 and reply.code == "InvalidRequest", reply)
    reply = call(server.port, "GET", "/v1/activity")
    check("activity: without a session it is 401", reply.status == 401 and not reply.field("events"), reply)
    reply = call(server.port, "GET", "/v1/activity", token="not-a-session-token")
    check("activity: with a made-up token it is 401", reply.status == 401 and not reply.field("events"), reply)

    # Another account sees its own events alone, and they are not in the first account's.
    reply = call(server.port, "POST", "/v1/accounts", {"username": OTHER_USERNAME, "email": OTHER_EMAIL, "password": PASSWORD})
    reply, other = log_in(server.port, OTHER_USERNAME, PASSWORD)
    check("activity: a second account signs up and logs in", other is not None, reply)
    if other:
        reply = other.call("GET", "/v1/activity")
        theirs = reply.field("events") or []
        check("activity: the second account sees only its own events (account.created, login.succeeded)",
              reply.status == 200 and sorted(e.get("type") for e in theirs) == ["account.created", "login.succeeded"]
              and all(e.get("accountId") == other.account_id for e in theirs), reply)
        reply = third.call("GET", "/v1/activity")
        check("activity: and the first account's activity did not change",
              [e.get("id") for e in reply.field("events") or []] == ids, reply)

    # The admin command.
    listed = audit_list(world.database, "--account", USERNAME)
    check("audit: gatehouse audit list --account USERNAME --json succeeds", listed is not None)
    if listed is not None:
        shapes = [(e.get("id"), shape_problems(e, LIST_KEYS, DATA_REQUIRED | {"username"})) for e in listed
                  if shape_problems(e, LIST_KEYS, DATA_REQUIRED | {"username"})]
        check("audit: every entry is {id, type, occurredAt, accountId, username, sessionId, actor, clientAddress, "
              "userAgent, details}", not shapes, shapes[:3])
        check("audit: --account lists exactly the activity's events, newest first", [e.get("id") for e in listed] == ids,
              f"{[e.get('type') for e in listed]}")
        by_id = {e.get("id"): e for e in events}
        fields = ("type", "accountId", "sessionId", "actor", "clientAddress", "userAgent", "details")
        different = [e.get("id") for e in listed if any(e.get(f) != by_id.get(e.get("id"), {}).get(f) for f in fields)]
        check("audit: each entry says what GET /v1/activity says (type, account, session, actor, address, agent, details)",
              not different, different[:3])
        check("audit: each entry names the username", all(e.get("username") == USERNAME for e in listed),
              {e.get("username") for e in listed})
    everything = audit_list(world.database, "--limit", "10000")
    check("audit: gatehouse audit list --json without --account succeeds", everything is not None)
    if everything is not None:
        everything_ids = [e.get("id") for e in everything]
        check("audit: without --account, newest first, every account's events",
              everything_ids == sorted(everything_ids, reverse=True) and set(ids) <= set(everything_ids)
              and any(e.get("username") == OTHER_USERNAME for e in everything), [e.get("type") for e in everything][:20])
        keys = [e for e in everything if e.get("type") == "signing_key.rotated"]
        jwks = call(server.port, "GET", "/.well-known/jwks.json")
        kids = [k.get("kid") for k in jwks.field("keys") or []]
        check("audit: the first start's signing_key.rotated is there, actor system, no account, its details.kid in the JWKS",
              len(keys) == 1 and keys[0].get("actor") == "system" and not keys[0].get("accountId")
              and keys[0]["details"].get("kid") in kids, f"{keys}; JWKS kids {kids}")
        if keys:
            announced = receiver.delivered_events().get(keys[0].get("id"))
            check("webhooks: the first start's signing_key.rotated was announced too (actor system)",
                  announced is not None and announced.get("actor") == "system", announced)
        newest = audit_list(world.database, "--limit", "2")
        check("audit: --limit 2 lists the 2 newest", newest is not None and [e.get("id") for e in newest] == everything_ids[:2],
              newest and [e.get("id") for e in newest])
        recent = audit_list(world.database, "--since", "1h", "--limit", "10000")
        check("audit: --since 1h lists them all", recent is not None and [e.get("id") for e in recent] == everything_ids,
              recent and len(recent))
        yesterday = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
        recent = audit_list(world.database, "--since", yesterday.strftime("%Y-%m-%d"), "--limit", "10000")
        check("audit: --since yesterday's date lists them all", recent is not None and [e.get("id") for e in recent] == everything_ids,
              recent and len(recent))
        later = audit_list(world.database, "--since", "2999-01-01T00:00:00Z")
        check("audit: --since a time to come lists nothing", later == [], later)
        code, output, errors = admin(world.database, "audit", "list", "--account", USERNAME, "--since", "24h")
        check("audit: the table (no --json) lists the account's events", code == 0 and "login.succeeded" in output
              and "account.reactivated" in output, f"{code}: {(output + errors)[:300]}")
        code, output, errors = admin(world.database, "audit", "list", "--since", "nonsense")
        check("audit: --since nonsense is refused", code != 0, f"{code}: {(output + errors)[:200]}")


def scenario_crash(world):
    """3: events made while the receiver refuses everything survive a SIGKILL and are delivered after a
    restart, once each."""
    if not world.account_id or world.server is None:
        check("crash: the flow left a server and an account", False)
        return
    receiver, server = world.receiver, world.server
    before = {a.webhook_id for a in receiver.snapshot()}
    receiver.refusing = True
    for _ in range(3):
        reply = call(server.port, "POST", "/v1/login", {"username": USERNAME, "password": WRONG_PASSWORD})
        check("crash: a wrong password is 401 LoginFailed", reply.status == 401 and reply.code == "LoginFailed", reply)
    reply, fourth = log_in(server.port, USERNAME, NEW_PASSWORD)
    check("crash: a login answers 200", fourth is not None, reply)
    expected = collections.Counter({"login.failed": 3, "login.succeeded": 1 if fourth else 0})

    def refused_hooks():
        """{webhook-id: event data} of the account's calls first attempted in this phase."""
        return {a.webhook_id: a.data for a in receiver.snapshot()
                if a.webhook_id not in before and a.data.get("accountId") == world.account_id}

    seen = wait_for(lambda: (lambda hooks: hooks if collections.Counter(d.get("type") for d in hooks.values()) == expected else None)
                    (refused_hooks()), REFUSED_WAIT, interval=0.2)
    check(f"crash: each of the {sum(expected.values())} new events was attempted (and refused) within {REFUSED_WAIT:.0f} s",
          seen is not None, collections.Counter(d.get("type") for d in refused_hooks().values()))
    if seen is None:
        return
    # Killed between two attempts rather than during one, so no message is left claimed (leased) at the kill.
    wait_for(lambda: time.monotonic() - max(a.at for a in receiver.snapshot()) >= 0.4, 5.0, interval=0.05)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=15)
    killed = time.monotonic()
    check("crash: the server was killed by SIGKILL", server.process.returncode == -signal.SIGKILL, server.process.returncode)
    attempts = receiver.snapshot()
    hooks = set(seen)
    check("crash: none of them was accepted before the kill",
          not any(a.accepted for a in attempts if a.webhook_id in hooks), [a.status for a in attempts if a.webhook_id in hooks])
    counts = collections.Counter(a.webhook_id for a in attempts if a.webhook_id in hooks)
    note(f"attempts before the kill: {sorted(counts.values())}")
    if fourth:
        check("crash: the refused login.succeeded names the new session",
              [d.get("sessionId") for d in seen.values() if d.get("type") == "login.succeeded"] == [fourth.id],
              [d.get("sessionId") for d in seen.values() if d.get("type") == "login.succeeded"])

    receiver.refusing = False
    restarted = Server("restarted", *webhook_flags(receiver), database=world.database)
    world.servers.append(restarted)
    world.server = restarted
    check("crash: the server restarts on the same database", restarted.process.poll() is None)
    events = {d.get("id"): d for d in seen.values()}
    # Every event of the audit log from then on must be delivered, the ones of this phase included.
    logged = audit_list(world.database, "--limit", "10000") or []
    owed = {e.get("id") for e in logged if e.get("type") != "signing_key.rotated"}

    def delivered():
        have = set(receiver.delivered_events())
        return set(events) <= have and owed <= have

    done = wait_for(delivered, CRASH_WAIT, interval=0.5)
    check(f"crash: every event of the phase was delivered within {CRASH_WAIT:.0f} s of the restart", done,
          f"missing {sorted(set(events) - set(receiver.delivered_events()))}")
    note(f"the last was accepted {time.monotonic() - killed:.1f} s after the kill")
    time.sleep(1.0)
    attempts = receiver.snapshot()
    accepted = collections.defaultdict(set)
    for attempt in attempts:
        if attempt.accepted:
            accepted[attempt.event_id].add(attempt.webhook_id)
    once = {e: sorted(accepted.get(e, ())) for e in events if len(accepted.get(e, ())) != 1}
    check("crash: after de-duplication by webhook-id, each was delivered exactly once", not once, once)
    moved = [e for e in events if accepted.get(e) and accepted[e] != {h for h, d in seen.items() if d.get("id") == e}]
    check("crash: under the webhook-id it was attempted with before the kill", not moved, moved)
    kinds = collections.Counter(events[e].get("type") for e in events if accepted.get(e))
    check("crash: the delivered events are the 3 failed logins and the login", kinds == expected, kinds)
    bad = [(a.webhook_id, a.problems) for a in attempts if a.problems]
    check("crash: every call, before and after the restart, was validly signed", not bad, bad[:3])
    lost = sorted(owed - set(receiver.delivered_events()))
    check(f"crash: no event of the audit log is left undelivered ({len(owed)} events, the signing key's aside)",
          owed and not lost, [e.get("type") for e in logged if e.get("id") in lost])
    extra = collections.Counter(a.event_id for a in attempts if a.accepted)
    note(f"{len(extra)} events delivered in all, {sum(n - 1 for n in extra.values())} of them accepted more than once "
         f"(same webhook-id)")
    reply = call(restarted.port, "GET", "/v1/me", token=fourth.token) if fourth else None
    check("crash: the session of the refused login works on the restarted server", reply is not None and reply.status == 200, reply)


def scenario_settings():
    """4: --audit-retention and the webhook settings, checked at start."""
    server = Server("retention", "--audit-retention", "30d")
    check("settings: the server starts with --audit-retention 30d", server.process.poll() is None)
    server.stop()
    code, text = refused_start(["--audit-retention", "nonsense"])
    check("settings: --audit-retention nonsense stops the server at start, naming --audit-retention",
          code not in (None, 0) and "--audit-retention" in text, f"exit {code}: {text[-300:]}")
    url = f"http://127.0.0.1:{free_port()}/hook"
    code, text = refused_start(["--webhook-url", url])
    check("settings: --webhook-url without a secret stops the server at start", code not in (None, 0) and "webhook" in text.lower(),
          f"exit {code}: {text[-300:]}")
    code, text = refused_start([], {"GATEHOUSE_WEBHOOK_URLS": url})
    check("settings: GATEHOUSE_WEBHOOK_URLS without a secret stops it too", code not in (None, 0), f"exit {code}: {text[-300:]}")
    for what, secret, flags, settings in (
            ("--webhook-secret not in whsec_ form", "not-a-whsec-" + base64.b64encode(os.urandom(24)).decode(), True, False),
            ("--webhook-secret whsec_ with no base64 after it", "whsec_" + "!*" + os.urandom(12).hex(), True, False),
            ("GATEHOUSE_WEBHOOK_SECRET not in whsec_ form", "plain" + os.urandom(24).hex(), False, True)):
        code, text = refused_start(["--webhook-url", url, *(["--webhook-secret", secret] if flags else [])],
                                   {"GATEHOUSE_WEBHOOK_SECRET": secret} if settings else None)
        check(f"settings: {what} stops the server at start without echoing the secret",
              code not in (None, 0) and secret not in text and secret[-20:] not in text, f"exit {code}: {text[-300:]}")


def scenario_logs(world):
    """5: no secret in any log."""
    texts = {server.name: server.log() for server in world.servers}
    path = os.path.join(WORKDIR, "admin.log")
    if os.path.exists(path):
        with open(path) as f:
            texts["admin"] = f.read()
    check("logs: there is something to look at (every server and the admin commands wrote a log)",
          len(texts) == len(world.servers) + 1 and all(texts.values()), {n: t.count("\n") for n, t in texts.items()})
    leaks = sorted({(name, secret[:10]) for name, text in texts.items() for secret in SECRETS | TOKENS if secret in text})
    check(f"logs: no server log or admin output holds the webhook secret, a password or a session token ({len(TOKENS)} tokens)",
          not leaks, leaks[:5])


# MARK: - Running

def has_webhook_flags():
    result = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=60, env=server_environment())
    return "--webhook-url" in result.stdout + result.stderr


def out_of_time(*_):
    raise OutOfTime()


def main():
    # A SIGTERM (a CI timeout) still stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    world = None
    receiver = None
    try:
        if not os.environ.get("GATEHOUSE_WEBHOOK_BINARY") and (not os.path.exists(BINARY) or not has_webhook_flags()):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"webhook test: {BINARY}; files in {WORKDIR}")
        signal.signal(signal.SIGALRM, out_of_time)
        signal.alarm(OVERALL_LIMIT)
        receiver = Receiver(SECRET_KEY)
        world = World(receiver)
        run(scenario_verifier)
        run(scenario_flow, world)
        run(scenario_activity, world)
        run(scenario_crash, world)
        run(scenario_settings)
        for server in world.servers:
            server.stop()
        run(scenario_logs, world)
    except OutOfTime:
        check(f"the run finished within {OVERALL_LIMIT} s", False)
    finally:
        signal.alarm(0)
        for process in PROCESSES:
            stop(process)
        if receiver:
            receiver.stop()
        testkit.tidy(world.servers if world else [], WORKDIR, KEEP)
    return testkit.summary("webhook", began)


if __name__ == "__main__":
    sys.exit(main())
