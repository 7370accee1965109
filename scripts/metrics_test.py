#!/usr/bin/env python3
"""The Prometheus metrics of `gatehouse serve --metrics-address`, end to end: a real server on a fresh
SQLite file, scraped over HTTP before and after a scripted flow, each counter checked to have moved by
exactly what the flow did (deltas, from the text exposition format parsed here; a series that is not
there yet counts as 0).

The flow, on one account: sign-up (its verification message written by the file courier), two wrong
passwords, four good logins (one from a second user agent), three more wrong passwords up to the
per-pair limit of --login-limit 3/15m and then two attempts refused with 429 (the right password too);
GET /v1/me three times with the newest token, a superseded token within --grace-period 1s, a lost
response (the previous token presented after the grace period, its successor never used), a replayed
token after its successor was used (401 TokenTheftDetected, the session revoked), DELETE
/v1/sessions/{id}, POST /v1/logout, and two unknown paths.

Checked:
 1. the listener: GET /metrics is 200 text/plain; version=0.0.4; charset=utf-8 and parses; /, /health and
    /v1/me are 404 on it; /metrics is 404 on the API port; the server listens on exactly the API port
    and the metrics port (from /proc), the latter on 127.0.0.1;
 2. every gatehouse_* counter family moved by exactly the flow: http_requests_total{route,method,status}
    (routes as patterns, such as /v1/sessions/{id}; unknown paths under one label that is not the
    path), http_responses_total{status,code}, logins_total{outcome}, sessions_started_total,
    rotations_total, lost_response_renewals_total, grace_acceptances_total,
    token_theft_detected_total, sessions_revoked_total{reason}, failures_total{code},
    mail_deliveries_total{outcome}; no other gatehouse_* counter moved;
 3. the histogram http_request_duration_seconds{route,method}: _count moved as the requests did, _sum
    did not go back, the +Inf bucket equals _count and the buckets never decrease;
    store_operation_duration_seconds{operation}, when the server has it, moved (reported as skipped
    when it does not);
 4. gatehouse_build_info{version} is 1;
 5. no scrape holds a token, a password, an e-mail address, the username, an account or session id
    or a requested path;
 6. without --metrics-address the server listens on its API port alone; GATEHOUSE_METRICS_ADDRESS
    does what the flag does; --metrics-address nonsense stops the server at start, naming the flag.

Knobs (environment): GATEHOUSE_METRICS_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing or without --metrics-address), GATEHOUSE_METRICS_KEEP (set: keep the work folder with the logs).

Loopback only; every wait is bounded; only the processes this script started are stopped, by their id.
"""
import collections
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from testkit import (FAILED, PASSED, Reply, answers_health, check, free_port, json_request, note, run, server_environment,
                     spawn, stop, wait_for)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_METRICS_BINARY"]) if os.environ.get("GATEHOUSE_METRICS_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_METRICS_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-metrics.")

RUN_ID = f"{random.randrange(16 ** 4):04x}"
USERNAME = f"metrics_{RUN_ID}"
EMAIL = f"{USERNAME}@example.com"
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = f"not the password {RUN_ID}"
# Session tokens are bound to the user agent that logged in.
USER_AGENT = "metrics-test"
OTHER_USER_AGENT = "metrics-test-other"
GRACE = 1.0
PAIR_LIMIT = 3
# The per-pair limit is the one under test: the address and sign-up limits are out of the way.
FLAGS = ["--grace-period", f"{GRACE:g}s", "--login-limit", f"{PAIR_LIMIT}/15m", "--login-address-limit", "10000/15m",
         "--signup-limit", "10000/1h"]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
START_WAIT = 60.0
MAIL_WAIT = 15.0            # the courier looks every second
RELINK_WAIT = 60.0
UNKNOWN_PATHS = [f"/v1/no-such-route-{RUN_ID}", "/metrics"]   # the second: metrics are not on the API port
ROUTES = {"/health", "/v1/accounts", "/v1/login", "/v1/me", "/v1/logout", "/v1/sessions"}
UNMATCHED = "(unmatched)"   # stands for whatever label the server gives requests that matched no route
STORE_HISTOGRAM = "gatehouse_store_operation_duration_seconds"

SECRETS = {PASSWORD, WRONG_PASSWORD, USERNAME, EMAIL}   # none may be in a scrape; tokens and ids join it
PROCESSES = []
SKIPPED = []


def skip(name, why):
    SKIPPED.append(name)
    print(f"skip   {name}: skipped ({why})")


# MARK: - The text exposition format

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
UNESCAPE = {"\\": "\\", '"': '"', "n": "\n"}


def parse_labels(text):
    """`a="x",b="y\\"z"` as a frozenset of (name, value) pairs; ValueError when it is not well formed."""
    labels, i = {}, 0
    while i < len(text):
        match = LABEL_NAME.match(text, i)
        if not match or text[match.end():match.end() + 2] != '="':
            raise ValueError(f"bad label at {text[i:]!r}")
        name, i, value = match.group(), match.end() + 2, []
        while True:
            if i >= len(text):
                raise ValueError(f"unterminated value of {name}")
            c = text[i]
            if c == "\\":
                if i + 1 >= len(text) or text[i + 1] not in UNESCAPE:
                    raise ValueError(f"bad escape in {name}")
                value.append(UNESCAPE[text[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                value.append(c)
                i += 1
        if name in labels:
            raise ValueError(f"label {name} twice")
        labels[name] = "".join(value)
        if i < len(text):
            if text[i] != ",":
                raise ValueError(f"expected , at {text[i:]!r}")
            i += 1
    return frozenset(labels.items())


class Scrape:
    """One answer of GET /metrics: `types` {family: type}, `samples` {(name, labels): value}, `errors`
    (lines that did not parse)."""

    def __init__(self, text):
        self.text = text
        self.types, self.samples, self.errors = {}, {}, []
        for line in text.splitlines():
            if not line.strip():
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 4 and parts[1] == "TYPE":
                    self.types[parts[2]] = parts[3].strip()
                continue
            match = SAMPLE.match(line)
            try:
                if not match:
                    raise ValueError("not a sample")
                key = (match.group(1), parse_labels(match.group(2) or ""))
                if key in self.samples:
                    raise ValueError("series twice")
                self.samples[key] = float(match.group(3))
            except ValueError as error:
                self.errors.append(f"{line!r}: {error}")

    def series(self, name):
        """{labels: value} of the samples named `name`."""
        return {labels: value for (sample, labels), value in self.samples.items() if sample == name}

    def families(self, kind):
        return {name for name, type in self.types.items() if type == kind}


def deltas(before, after, name):
    """{labels: after - before} of the series named `name` that moved; a missing series is 0."""
    old, new = before.series(name), after.series(name)
    moved = {labels: new.get(labels, 0.0) - old.get(labels, 0.0) for labels in set(old) | set(new)}
    return {labels: delta for labels, delta in moved.items() if delta != 0}


def show(series):
    """A series map as readable text, sorted."""
    def labels(key):
        return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(key)) + "}"
    return ", ".join(f"{labels(k)} {v:+g}" for k, v in sorted(series.items(), key=lambda item: sorted(item[0]))) or "nothing"


def labels(**pairs):
    return frozenset(pairs.items())


# MARK: - HTTP

def get(port, path):
    """A plain GET on 127.0.0.1:port: (status, content type, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode(errors="replace")
    finally:
        connection.close()


def route_of(path):
    """The route pattern a request to `path` matches, or UNMATCHED."""
    path = path.split("?", 1)[0]
    if path.startswith("/v1/sessions/"):
        return "/v1/sessions/{id}"
    return path if path in ROUTES else UNMATCHED


class Flow:
    """The API as the flow uses it: every request is tallied as the HTTP metrics should count it, and
    every token and id seen joins SECRETS."""

    def __init__(self, port):
        self.port = port
        self.requests = collections.Counter()    # (route, method, status)
        self.responses = collections.Counter()   # (status, code)

    def call(self, method, path, body=None, token=None, user_agent=USER_AGENT):
        reply = Reply(*json_request(self.port, method, path, body=body, token=token, user_agent=user_agent))
        self.requests[(route_of(path), method, str(reply.status))] += 1
        self.responses[(str(reply.status), "OK" if reply.status < 400 else (reply.code or "None"))] += 1
        for value in (reply.header("Auth-Token"), reply.field("authToken")):
            if value:
                SECRETS.add(value)
        for part in ("account", "session"):
            value = reply.field(part)
            if isinstance(value, dict):
                SECRETS.update(str(value[k]) for k in ("accountId", "id") if value.get(k))
        return reply

    def log_in(self, password=PASSWORD, user_agent=USER_AGENT):
        return self.call("POST", "/v1/login", {"username": USERNAME, "password": password}, user_agent=user_agent)


class Session:
    """A logged-in client keeping the token each answer renews."""

    def __init__(self, flow, login, user_agent=USER_AGENT):
        self.flow = flow
        self.user_agent = user_agent
        self.token = login.field("authToken")
        self.id = login.json["session"]["id"]

    def call(self, method, path, token=None):
        """A request with `token` (default: the newest), keeping a renewed token only when it was the
        newest that was sent."""
        sent = token or self.token
        reply = self.flow.call(method, path, token=sent, user_agent=self.user_agent)
        renewed = reply.header("Auth-Token")
        if renewed and token is None:
            self.token = renewed
        return reply


# MARK: - Processes

def listening_ports(pid):
    """{port: address} of the TCP sockets process `pid` listens on, from /proc; None when /proc cannot
    tell."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = {}
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not os.path.exists(table):
                continue
            with open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[3] == "0A" and fields[9] in inodes:   # 0A: LISTEN
                        address, port = fields[1].rsplit(":", 1)
                        found[int(port, 16)] = loopback_name(address)
        return found
    except OSError:
        return None


def loopback_name(hex_address):
    if hex_address == "0100007F":
        return "127.0.0.1"
    if hex_address == "00000000000000000000000001000000":
        return "::1"
    return hex_address


class Server:
    """One `gatehouse serve` on a free loopback port and a SQLite file of its own, its output in a log."""

    def __init__(self, name, *flags, settings=None):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.mail = os.path.join(self.dir, "mail")
        self.log_path = os.path.join(self.dir, "server.log")
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", os.path.join(self.dir, "gatehouse.sqlite"),
                     "--mail-url", f"file://{self.mail}", "--log-level", "debug", *FLAGS, *flags]
        with open(self.log_path, "wb") as log:
            self.process = spawn(arguments, PROCESSES, RELINK_WAIT, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=server_environment(**(settings or {})))
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
        return "\n".join(self.log().splitlines()[-lines:])


# MARK: - Scenarios

def scrape(port):
    status, content_type, text = get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"GET /metrics answered {status}")
    return Scrape(text), content_type


def scenario_flow():
    """1 to 5 on one server with --metrics-address."""
    metrics_port = free_port()
    server = Server("main", "--metrics-address", f"127.0.0.1:{metrics_port}")
    try:
        run_flow(server, metrics_port)
    finally:
        server.stop()


def run_flow(server, metrics_port):
    # 1: the listener.
    before, content_type = scrape(metrics_port)
    check("listener: GET /metrics answers 200 with Content-Type text/plain; version=0.0.4; charset=utf-8",
          content_type == CONTENT_TYPE, content_type)
    check("listener: the exposition parses (every sample line, labels in any order)", not before.errors, before.errors[:3])
    for path in ("/", "/v1/me", "/health"):
        status, _, _ = get(metrics_port, path)
        check(f"listener: GET {path} on the metrics port is 404", status == 404, status)
    status, _, _ = get(metrics_port, "/metrics/")
    note(f"GET /metrics/ on the metrics port answers {status}")
    ports = listening_ports(server.process.pid)
    if ports is None:
        skip("listener: the server listens on the API port and the metrics port alone", "/proc cannot tell")
    else:
        check("listener: the server listens on exactly the API port and the metrics port, the latter on 127.0.0.1",
              set(ports) == {server.port, metrics_port} and ports.get(metrics_port) == "127.0.0.1", ports)
    started = time.monotonic()

    # 2: the flow, every expected movement written next to what causes it.
    flow = Flow(server.port)
    expected = collections.defaultdict(collections.Counter)

    def expect(family, count=1, **pairs):
        expected[family][labels(**pairs)] += count

    reply = flow.call("POST", "/v1/accounts", {"username": USERNAME, "email": EMAIL, "password": PASSWORD})
    check("flow: sign-up answers 201", reply.status == 201, reply)
    expect("gatehouse_mail_deliveries_total", outcome="sent")

    for _ in range(2):
        reply = flow.log_in(WRONG_PASSWORD)
        check("flow: a wrong password is 401 LoginFailed", reply.status == 401 and reply.code == "LoginFailed", reply)
        expect("gatehouse_logins_total", outcome="failed")
        expect("gatehouse_failures_total", code="LoginFailed")

    # The third attempt of the pair is within the limit; its success clears the pair's count.
    sessions = []
    for user_agent in (USER_AGENT, OTHER_USER_AGENT, USER_AGENT, USER_AGENT):
        reply = flow.log_in(user_agent=user_agent)
        ok = reply.status == 200 and reply.field("authToken")
        check(f"flow: login ({user_agent}) answers 200 with a token", ok, reply)
        if not ok:
            return
        sessions.append(Session(flow, reply, user_agent))
        expect("gatehouse_logins_total", outcome="ok")
        expect("gatehouse_sessions_started_total")
    first, other, lost, stolen = sessions

    for attempt in range(1, PAIR_LIMIT + 1):
        reply = flow.log_in(WRONG_PASSWORD)
        check(f"flow: wrong password {attempt} of the pair limit {PAIR_LIMIT} is 401 LoginFailed",
              reply.status == 401 and reply.code == "LoginFailed", reply)
        expect("gatehouse_logins_total", outcome="failed")
        expect("gatehouse_failures_total", code="LoginFailed")
    for what, password in (("a wrong password", WRONG_PASSWORD), ("even the right password", PASSWORD)):
        reply = flow.log_in(password)
        check(f"flow: over the pair limit, {what} is 429 TooManyAttempts with Retry-After",
              reply.status == 429 and reply.code == "TooManyAttempts" and reply.header("Retry-After"), reply)
        expect("gatehouse_logins_total", outcome="throttled")
        expect("gatehouse_failures_total", code="TooManyAttempts")

    # Lost response and theft first, so that one wait past the grace period serves both.
    lost_first = lost.token
    reply = lost.call("GET", "/v1/me")
    check("flow: lost response: the first request renews the token (its answer is then dropped)",
          reply.status == 200 and reply.header("Auth-Token") not in (None, lost_first), reply)
    expect("gatehouse_rotations_total")
    stolen_first = stolen.token
    for step in ("rotates the token", "then the new token is used and rotates it again"):
        reply = stolen.call("GET", "/v1/me")
        check(f"flow: theft: the session {step}", reply.status == 200 and reply.header("Auth-Token"), reply)
        expect("gatehouse_rotations_total")
    past_grace = time.monotonic() + GRACE + 0.3

    for n in range(1, 4):
        previous = first.token
        reply = first.call("GET", "/v1/me")
        check(f"flow: GET /v1/me {n} with the newest token answers 200 with a new token",
              reply.status == 200 and reply.header("Auth-Token") not in (None, previous), reply)
        expect("gatehouse_rotations_total")
    reply = first.call("GET", "/v1/me", token=previous)
    check("flow: grace: the token superseded just now is accepted (200) without a new one",
          reply.status == 200 and reply.header("Auth-Token") in (None, previous), reply)
    expect("gatehouse_grace_acceptances_total")

    reply = other.call("DELETE", f"/v1/sessions/{other.id}")
    check("flow: DELETE /v1/sessions/{id} of its own session answers 200", reply.status == 200, reply)
    expect("gatehouse_rotations_total")
    expect("gatehouse_sessions_revoked_total", reason="logout")

    time.sleep(max(0.0, past_grace - time.monotonic()))
    reply = lost.call("GET", "/v1/me", token=lost_first)
    renewed = reply.header("Auth-Token")
    check("flow: lost response: the previous token after the grace period answers 200 with a new token",
          reply.status == 200 and renewed not in (None, lost_first), reply)
    expect("gatehouse_rotations_total")
    expect("gatehouse_lost_response_renewals_total")
    if renewed:
        lost.token = renewed
        reply = lost.call("GET", "/v1/me")
        check("flow: lost response: the token it gave works", reply.status == 200, reply)
        expect("gatehouse_rotations_total")

    reply = stolen.call("GET", "/v1/me", token=stolen_first)
    check("flow: theft: the superseded token replayed after its successor was used is 401 TokenTheftDetected",
          reply.status == 401 and reply.code == "TokenTheftDetected", reply)
    expect("gatehouse_token_theft_detected_total")
    expect("gatehouse_sessions_revoked_total", reason="token_theft")
    expect("gatehouse_failures_total", code="TokenTheftDetected")
    reply = stolen.call("GET", "/v1/me")
    check("flow: theft: the session's newest token is refused too (401 InvalidSession)",
          reply.status == 401 and reply.code == "InvalidSession", reply)
    expect("gatehouse_failures_total", code="InvalidSession")

    reply = first.call("POST", "/v1/logout")
    check("flow: POST /v1/logout answers 200", reply.status == 200, reply)
    expect("gatehouse_rotations_total")
    expect("gatehouse_sessions_revoked_total", reason="logout")

    for path in UNKNOWN_PATHS:
        reply = flow.call("GET", path)
        check(f"flow: GET {path} on the API port is 404", reply.status == 404, reply)

    def delivered():
        current, _ = scrape(metrics_port)
        moved = deltas(before, current, "gatehouse_mail_deliveries_total")
        return current if moved.get(labels(outcome="sent"), 0) >= 1 else None

    after = wait_for(delivered, MAIL_WAIT, interval=0.3)
    check(f"mail: the courier delivered the verification message within {MAIL_WAIT:.0f} s (sent +1)", after is not None)
    if after is None:
        after, _ = scrape(metrics_port)
    files = [f for f in os.listdir(server.mail) if f.endswith(".eml")] if os.path.isdir(server.mail) else []
    check("mail: it is in the mail folder as an .eml file", len(files) == 1, files)
    note(f"the flow took {time.monotonic() - started:.1f} s")
    check("scrape: the second scrape parses too", not after.errors, after.errors[:3])

    # The unmatched label is the server's to choose: the one route label the flow's 404s got that is no
    # route of the API.
    moved_requests = deltas(before, after, "gatehouse_http_requests_total")
    unmatched = sorted({dict(k)["route"] for k in moved_requests if dict(k).get("route") not in ROUTES | {"/v1/sessions/{id}"}})
    check("http: requests that matched no route share one route label, which is not the path asked for",
          len(unmatched) == 1 and not any(unmatched[0] == p or unmatched[0] in p.split("/") for p in UNKNOWN_PATHS)
          and "no-such-route" not in unmatched[0], unmatched)
    unmatched_label = unmatched[0] if len(unmatched) == 1 else UNMATCHED
    note(f"requests that matched no route are counted under route=\"{unmatched_label}\"")
    for (route, method, status), count in flow.requests.items():
        expect("gatehouse_http_requests_total", count, route=unmatched_label if route == UNMATCHED else route,
               method=method, status=status)
    for (status, code), count in flow.responses.items():
        expect("gatehouse_http_responses_total", count, status=status, code=code)

    # 2: every counter family, exactly.
    descriptions = {
        "gatehouse_http_requests_total": "one per request, by route pattern, method and status",
        "gatehouse_http_responses_total": "one per response, by status and JSON error code (OK below 400)",
        "gatehouse_logins_total": f"ok +4, failed +{2 + PAIR_LIMIT}, throttled +2",
        "gatehouse_sessions_started_total": "+4, one per good login",
        "gatehouse_rotations_total": "+10: /v1/me x3, the DELETE, the logout, 2 for the lost response and the request "
                                     "after it, 2 before the theft",
        "gatehouse_lost_response_renewals_total": "+1",
        "gatehouse_grace_acceptances_total": "+1",
        "gatehouse_token_theft_detected_total": "+1",
        "gatehouse_sessions_revoked_total": "logout +2, token_theft +1",
        "gatehouse_failures_total": f"LoginFailed +{2 + PAIR_LIMIT}, TooManyAttempts +2, TokenTheftDetected +1, InvalidSession +1",
        "gatehouse_mail_deliveries_total": "sent +1",
    }
    for family, description in descriptions.items():
        want = {k: float(v) for k, v in expected[family].items()}
        got = deltas(before, after, family)
        check(f"counter: {family} moved by exactly the flow ({description})", got == want,
              f"moved {show(got)}; expected {show(want)}")
    for family in ("gatehouse_http_requests_total", "gatehouse_logins_total", "gatehouse_rotations_total",
                   "gatehouse_sessions_revoked_total", "gatehouse_failures_total"):
        kind = after.types.get(family)
        check(f"counter: {family} is typed counter", kind == "counter", kind)
    others = {family for family in after.families("counter") | before.families("counter")
              if family.startswith("gatehouse_") and family not in descriptions and deltas(before, after, family)}
    check("counter: no other gatehouse_* counter moved", not others, {f: show(deltas(before, after, f)) for f in others})
    route_labels = {dict(k)["route"] for k in after.series("gatehouse_http_requests_total")}
    check("http: the route of DELETE /v1/sessions/<id> is the pattern /v1/sessions/{id}", "/v1/sessions/{id}" in route_labels,
          sorted(route_labels))

    # 3: histograms.
    histogram = "gatehouse_http_request_duration_seconds"
    check(f"histogram: {histogram} is typed histogram", after.types.get(histogram) == "histogram", after.types.get(histogram))
    per_route = collections.Counter()
    for (route, method, _), count in flow.requests.items():
        per_route[labels(route=unmatched_label if route == UNMATCHED else route, method=method)] += count
    got_count = deltas(before, after, histogram + "_count")
    check(f"histogram: {histogram}_count moved by one per request, by route and method",
          got_count == {k: float(v) for k, v in per_route.items()}, f"moved {show(got_count)}; expected {show(per_route)}")
    got_sum = deltas(before, after, histogram + "_sum")
    # How long requests took is the benchmark's business: only that every route has a sum and none went back.
    summed = after.series(histogram + "_sum")
    check(f"histogram: {histogram}_sum is there for each of them and never went back",
          all(key in summed for key in per_route) and set(got_sum) <= set(per_route) and all(v >= 0 for v in got_sum.values()),
          show(got_sum))
    check_buckets(after, histogram)
    me = after.series(histogram + "_count").get(labels(route="/v1/me", method="GET"), 0) \
        - before.series(histogram + "_count").get(labels(route="/v1/me", method="GET"), 0)
    note(f"GET /v1/me: {me:g} requests in the histogram, {sum(v for (r, m, _), v in flow.requests.items() if r == '/v1/me'):g} made")

    if STORE_HISTOGRAM in after.types or after.series(STORE_HISTOGRAM + "_count"):
        counts = after.series(STORE_HISTOGRAM + "_count")
        moved = deltas(before, after, STORE_HISTOGRAM + "_count")
        check(f"histogram: {STORE_HISTOGRAM} is typed histogram, every series has an operation label",
              after.types.get(STORE_HISTOGRAM) == "histogram" and counts
              and all(dict(k).keys() == {"operation"} for k in counts), f"{after.types.get(STORE_HISTOGRAM)}: {show(counts)}")
        check(f"histogram: {STORE_HISTOGRAM}_count moved during the flow", moved and all(v > 0 for v in moved.values()), show(moved))
        check_buckets(after, STORE_HISTOGRAM)
        note(f"store operations timed: {', '.join(sorted(dict(k)['operation'] for k in counts))}")
    else:
        skip(f"histogram: {STORE_HISTOGRAM}", "not present")

    # 4: build info.
    info = after.series("gatehouse_build_info")
    check("build info: gatehouse_build_info{version} is there, once, with the value 1",
          len(info) == 1 and list(info.values()) == [1.0] and dict(next(iter(info))).keys() == {"version"}
          and dict(next(iter(info)))["version"], info)

    # 5: nothing identifying in what Prometheus stores.
    texts = {"before": before.text, "after": after.text}
    leaks = sorted({(name, secret[:12]) for name, text in texts.items() for secret in SECRETS | set(UNKNOWN_PATHS[:1])
                    if secret and secret in text})
    check(f"privacy: no scrape holds a token, a password, the e-mail address, the username, an id or a requested path "
          f"({len(SECRETS)} values)", not leaks, leaks)
    at_signs = sorted({value for scrape_ in (before, after) for (_, pairs) in scrape_.samples for _, value in pairs if "@" in value})
    check("privacy: no label value holds an @", not at_signs, at_signs)


def check_buckets(scrape_, histogram):
    """Every series of `histogram`: the +Inf bucket equals _count and the buckets never decrease."""
    buckets = collections.defaultdict(list)
    for pairs, value in scrape_.series(histogram + "_bucket").items():
        rest = frozenset(p for p in pairs if p[0] != "le")
        le = dict(pairs).get("le")
        buckets[rest].append((float("inf") if le == "+Inf" else float(le), value))
    counts = scrape_.series(histogram + "_count")
    bad = []
    for rest, count in counts.items():
        series = sorted(buckets.get(rest, []))
        if not series or series[-1][0] != float("inf") or series[-1][1] != count \
                or any(a[1] > b[1] for a, b in zip(series, series[1:])):
            bad.append(show({rest: count}))
    check(f"histogram: {histogram}: each series has buckets up to +Inf equal to _count, never decreasing",
          counts and not bad, bad[:3])


def scenario_without_metrics():
    """6: no flag, no listener; the environment variable; a refused address."""
    unused = free_port()
    server = Server("plain")
    try:
        check("off: without --metrics-address the API answers", json_request(server.port, "GET", "/health")[0] == 200)
        ports = listening_ports(server.process.pid)
        if ports is None:
            skip("off: the server listens on its API port alone", "/proc cannot tell")
        else:
            check("off: without --metrics-address the server listens on its API port alone", set(ports) == {server.port}, ports)
        try:
            status = get(unused, "/metrics")[0]
        except OSError:
            status = None
        check("off: nothing answers at a port a metrics listener could have had", status is None, status)
        status = json_request(server.port, "GET", "/metrics")[0]
        check("off: /metrics on the API port is 404", status == 404, status)
    finally:
        server.stop()

    metrics_port = free_port()
    server = Server("environment", settings={"GATEHOUSE_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}"})
    try:
        status, content_type, text = get(metrics_port, "/metrics")
        check("environment: GATEHOUSE_METRICS_ADDRESS serves /metrics as the flag does",
              status == 200 and content_type == CONTENT_TYPE and "gatehouse_build_info" in text, f"{status} {content_type}")
        ports = listening_ports(server.process.pid)
        if ports is not None:
            check("environment: the server listens on the API port and that address", set(ports) == {server.port, metrics_port}, ports)
    finally:
        server.stop()

    directory = tempfile.mkdtemp(dir=WORKDIR, prefix="refused.")
    process = spawn([BINARY, "serve", "--port", str(free_port()), "--database", os.path.join(directory, "gatehouse.sqlite"),
                     "--metrics-address", "nonsense"], PROCESSES, RELINK_WAIT,
                    cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=server_environment())
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process)
        output = b"(still running after 30 s)"
    text = output.decode(errors="replace")
    check("refused: --metrics-address nonsense stops the server at start, naming --metrics-address",
          process.returncode not in (None, 0) and "--metrics-address" in text, f"exit {process.returncode}: {text[-300:]}")


# MARK: - Running

def has_metrics_flag():
    result = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=60, env=server_environment())
    return "--metrics-address" in result.stdout + result.stderr


def main():
    # A SIGTERM (a CI timeout) still stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    try:
        if not os.environ.get("GATEHOUSE_METRICS_BINARY") and (not os.path.exists(BINARY) or not has_metrics_flag()):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"metrics test: {BINARY}; files in {WORKDIR}")
        run(scenario_flow)
        run(scenario_without_metrics)
    finally:
        for process in PROCESSES:
            stop(process)
        if FAILED:
            for name in sorted(os.listdir(WORKDIR)):
                path = os.path.join(WORKDIR, name, "server.log")
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        lines = [line for line in f.read().decode(errors="replace").splitlines() if " debug " not in line]
                    print(f"--- the last lines of the {name} server's log:\n" + "\n".join(lines[-15:]))
        if KEEP or FAILED:
            print(f"       files kept in {WORKDIR}")
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)
    print(f"       {time.monotonic() - began:.0f} s in all")
    skipped = f", {len(SKIPPED)} skipped" if SKIPPED else ""
    print(f"metrics: {len(PASSED)} passed, {len(FAILED)} failed{skipped}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
