#!/usr/bin/env python3
"""Network partitions between Gatehouse and PostgreSQL, under the load of real clients.

A small TCP proxy of this script's own sits between `gatehouse serve` and a throwaway PostgreSQL
cluster. Several times during the run it holds the traffic in both directions (a partition: nothing is
read or forwarded, connections stay open, new ones are accepted but go nowhere) and heals it again
(everything held is delivered, in order). Meanwhile clients use the API the way real clients do: each
has its own session and renews its token on every request; some responses are lost (the client keeps
its old token); some requests go out in parallel bursts carrying one token; now and then a late
straggler carries the previous token; every 503 is retried after half a second with the same token.

Checked: no legitimate client is ever logged out (no 401 for a token the server gave it); at the end
every client's newest token still works; requests succeed again after each heal; the partitions really
produced 503s; SIGTERM afterwards stops the server within 10 seconds, with exit code 0.

Knobs (environment): GATEHOUSE_PARTITION_DURATION (seconds of load, 90), _PARTITIONS (4), _HOLD
(seconds each partition lasts, 7), _CLIENTS (24), _SEED (random), _LOST_RATE (0.04), _BURST_RATE
(0.10), _STRAGGLER_RATE (0.10), _PG_PORT (54343), _BINARY (the `gatehouse` to run; .build/debug/gatehouse,
built when missing).

Runs its own cluster (its own port and state folder) and the debug build of `gatehouse` (built when
missing). Loopback only; every loop and wait is bounded.
"""
import collections
import http.client
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from testkit import FAILED, PASSED, Cluster, check, free_port, json_request, note

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cluster = Cluster(os.environ.get("GATEHOUSE_PARTITION_PG_PORT", "54343"), ".build-pg-partition")


def knob(name, default, cast=float):
    value = os.environ.get("GATEHOUSE_PARTITION_" + name)
    if value is None or value.strip() == "":
        return default
    try:
        return cast(value)
    except ValueError:
        raise SystemExit(f"GATEHOUSE_PARTITION_{name}={value!r} is not a valid {cast.__name__}")


DURATION = knob("DURATION", 90.0)            # seconds of load, partitions included
PARTITIONS = knob("PARTITIONS", 4, int)
HOLD = knob("HOLD", 7.0)                     # seconds each partition lasts
CLIENTS = knob("CLIENTS", 24, int)
SEED = knob("SEED", random.randrange(1, 1_000_000), int)
LOST_RATE = knob("LOST_RATE", 0.04)          # requests whose answer the client never sees
BURST_RATE = knob("BURST_RATE", 0.10)        # actions that are a parallel burst of 2-4 requests
STRAGGLER_RATE = knob("STRAGGLER_RATE", 0.10)  # renewals followed by a late request with the token before
BINARY = knob("BINARY", "", str)

GRACE_PERIOD = "3s"
FIRST_PARTITION = 5.0      # seconds of load before the first partition
RECOVERY = 15.0            # a 200 must come back this soon after each heal (or before the next partition)
SETTLE = 5.0               # quiet seconds between the end of the load and the final requests
REQUEST_TIMEOUT = 20.0     # per request; a timeout is a lost response to the client
RETRY_DELAY = 0.5          # a 503 is retried this much later, with the same token
RETRY_WINDOW = 40.0        # and for at most this long (and at most RETRY_LIMIT times)
RETRY_LIMIT = 60
THINK_TIME = (0.05, 0.30)  # pause between two actions of a client
SHUTDOWN_LIMIT = 10.0      # SIGTERM must stop the server this soon
PASSWORD = "correct horse battery staple"
SECRET = "partition-test-secret-0123456789abcdef"



def through(url, port):
    """`url` with its host and port replaced by the proxy's."""
    parts = urllib.parse.urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


# MARK: - The partitioning proxy

class PartitionProxy:
    """Forwards TCP connections from 127.0.0.1:<port> to the database, and can hold them all.

    While held, no byte is read from or written to any socket: what the peers send waits in their
    sockets, connections stay open, and end-of-stream is not noticed either. New connections are
    accepted, but nothing of them reaches the database (not even the connection itself) until the
    heal. On heal every direction resumes where it stopped, so everything is delivered, in order.
    """

    def __init__(self, upstream_port, lifetime):
        self.upstream_port = upstream_port
        self.deadline = time.monotonic() + lifetime
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = threading.Event()   # set: forwarding; clear: partitioned
        self.open.set()
        self.closing = threading.Event()
        self.sockets = set()
        self.links = 0                  # connections open right now
        self.connections = 0
        self.connections_during_holds = 0
        self.bytes_forwarded = 0
        self.holds = 0
        self.thread = threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True)

    def start(self):
        self.thread.start()

    def hold(self):
        with self.lock:
            self.open.clear()
            self.holds += 1

    def heal(self):
        with self.lock:
            self.open.set()

    def drop_connections(self):
        """Closes every proxied connection (both ends) at once."""
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            self._close(sock)

    def close(self):
        self.closing.set()
        self.open.set()
        try:
            self.listener.close()
        except OSError:
            pass
        self.drop_connections()
        self.thread.join(timeout=5)

    def _running(self):
        return not self.closing.is_set() and time.monotonic() < self.deadline

    def _close(self, sock):
        with self.lock:
            self.sockets.discard(sock)
        try:
            sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        while self._running():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self.lock:
                self.connections += 1
                if not self.open.is_set():
                    self.connections_during_holds += 1
                self.sockets.add(client)
            threading.Thread(target=self._link, args=(client,), name="proxy-link", daemon=True).start()

    def _wait_open(self):
        while self._running():
            if self.open.wait(0.2):
                return self._running()
        return False

    def _link(self, client):
        # A connection opened during a partition reaches the database only once it heals.
        if not self._wait_open():
            self._close(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            self._close(client)
            return
        with self.lock:
            self.sockets.add(upstream)
            self.links += 1
        client.setblocking(False)
        upstream.setblocking(False)
        remaining = [2]
        done = threading.Lock()

        def finished():
            with done:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last:
                self._close(client)
                self._close(upstream)
                with self.lock:
                    self.links -= 1

        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target, finished, client, upstream),
                             name="proxy-pump", daemon=True).start()

    def _pump(self, source, target, finished, *ends):
        pending = b""
        at_end = False
        try:
            while self._running():
                if not self.open.is_set():
                    self.open.wait(0.2)
                    continue
                if pending:
                    with self.lock:
                        if not self.open.is_set():
                            continue
                        try:
                            sent = target.send(pending)
                        except BlockingIOError:
                            sent = 0
                        self.bytes_forwarded += sent
                    pending = pending[sent:]
                    if pending:
                        select.select([], [target], [], 0.2)
                    continue
                if at_end:
                    target.shutdown(socket.SHUT_WR)
                    break
                readable, _, _ = select.select([source], [], [], 0.2)
                if not readable or not self.open.is_set():
                    continue
                try:
                    data = source.recv(65536)
                except BlockingIOError:
                    continue
                if data:
                    pending = data
                else:
                    at_end = True
        except (OSError, ValueError):
            # A reset (or a socket closed under us): the whole connection goes.
            for sock in ends:
                self._close(sock)
        finally:
            finished()


# MARK: - HTTP

class Reply:
    __slots__ = ("status", "code", "token", "session", "detail")

    def __init__(self, status, code=None, token=None, detail=None):
        self.status = status    # an HTTP status, or "timeout" / "error"
        self.code = code        # the error code of an error body
        self.token = token      # the Auth-Token header, when the token was renewed
        self.session = None     # the session id a login answered with
        self.detail = detail


def http_call(port, method, path, token=None, body=None, user_agent="partition-test", timeout=REQUEST_TIMEOUT):
    try:
        status, headers, raw = json_request(port, method, path, body=body, token=token, user_agent=user_agent, timeout=timeout)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        code = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            code = payload["error"].get("code")
        auth_token = next((value for name, value in headers if name.lower() == "auth-token"), None)
        reply = Reply(status, code, auth_token)
        if isinstance(payload, dict) and "authToken" in payload:
            reply.token = payload["authToken"]
            if isinstance(payload.get("session"), dict):
                reply.session = payload["session"].get("id")
        return reply
    except (socket.timeout, TimeoutError):
        return Reply("timeout")
    except (OSError, http.client.HTTPException) as error:
        return Reply("error", detail=f"{type(error).__name__}: {error}")


# MARK: - What happened

class Record:
    """Every request of the run, and the partitions' times, relative to the start of the load."""

    def __init__(self):
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.requests = []
        self.partitions = []     # [hold, heal]
        self.counts = collections.Counter()

    def now(self):
        return time.monotonic() - self.start

    def add(self, entry):
        with self.lock:
            self.requests.append(entry)

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def where(self, t):
        """Says where moment `t` lies relative to the partitions."""
        for index, (hold, heal) in enumerate(self.partitions, 1):
            if hold <= t and (heal is None or t < heal):
                return f"during partition {index}"
            if heal is not None and heal <= t < heal + RECOVERY:
                return f"{t - heal:.1f} s after the heal of partition {index}"
        return "away from the partitions"


class Client:
    """One user with one session, renewing its token on every request."""

    def __init__(self, index, port, record, username, seed):
        self.index = index
        self.port = port
        self.record = record
        self.username = username
        self.user_agent = f"partition-client-{index}"
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.token = None
        self.labels = {}            # token -> "s<login>t<n>", numbered in the order this client saw them
        self.history = collections.deque(maxlen=30)
        self.logouts = []           # (t, kind, token label, code, whether it was the newest token, session id)
        self.needs_login = False
        self.sessions = 0
        self.session_ids = []       # as the server names them in its log
        self.first_logout = None    # the history up to the first 401

    def label(self, token):
        if token is None:
            return "-"
        with self.lock:
            if token not in self.labels:
                self.labels[token] = f"s{self.sessions}t{len(self.labels)}"
            return self.labels[token]

    def log(self, text):
        with self.lock:
            self.history.append(f"{self.record.now():7.2f}  {text}")

    # Requests

    def attempt(self, kind, token, attempt=0):
        sent = self.record.now()
        reply = http_call(self.port, "GET", "/v1/me", token=token, user_agent=self.user_agent)
        done = self.record.now()
        presented = self.label(token)
        received = self.label(reply.token) if reply.token else None
        self.record.add({"client": self.index, "kind": kind, "attempt": attempt, "sent": round(sent, 3),
                         "done": round(done, 3), "status": reply.status, "code": reply.code,
                         "token": presented, "renewed": received, "detail": reply.detail})
        self.log(f"{kind}{'' if attempt == 0 else f' retry {attempt}'} with {presented}: {reply.status}"
                 f"{' ' + reply.code if reply.code else ''}{' -> ' + received if received else ''}"
                 f" ({done - sent:.2f} s)")
        self.record.count(f"status {reply.status}")
        if reply.status == 401:
            with self.lock:
                newest = token == self.token
                session = self.session_ids[-1] if self.session_ids else None
                self.logouts.append((sent, kind, presented, reply.code, newest, session))
                self.needs_login = True
                if self.first_logout is None:
                    self.first_logout = list(self.history)
        return reply, done

    def send(self, kind, token):
        """One request, its 503s retried after RETRY_DELAY with the same token; (reply, arrival)."""
        deadline = time.monotonic() + RETRY_WINDOW
        for attempt in range(RETRY_LIMIT):
            reply, arrival = self.attempt(kind, token, attempt)
            if reply.status != 503:
                return reply, arrival
            if attempt + 1 == RETRY_LIMIT or time.monotonic() + RETRY_DELAY > deadline:
                self.record.count("503 retries given up")
                return reply, arrival
            self.record.count("503 retries")
            time.sleep(RETRY_DELAY)
        return reply, arrival

    def adopt(self, token):
        with self.lock:
            self.token = token

    # Actions

    def login(self, deadline):
        for attempt in range(RETRY_LIMIT):
            if time.monotonic() > deadline:
                return False
            reply = http_call(self.port, "POST", "/v1/login", body={"username": self.username, "password": PASSWORD},
                              user_agent=self.user_agent)
            if reply.status == 200 and reply.token:
                with self.lock:
                    self.sessions += 1
                    self.needs_login = False
                    self.session_ids.append(reply.session)
                self.adopt(reply.token)
                self.log(f"logged in: {self.label(reply.token)}")
                return True
            self.log(f"login: {reply.status} {reply.code or ''}")
            time.sleep(RETRY_DELAY)
        return False

    def plain(self):
        token = self.token
        reply, _ = self.send("request", token)
        if reply.status == 200 and reply.token:
            self.adopt(reply.token)
            if self.random.random() < STRAGGLER_RATE:
                # A request sent before the renewal arrived, carrying the token before.
                self.record.count("stragglers")
                late, _ = self.send("straggler", token)
                if late.status == 200 and late.token:
                    self.adopt(late.token)   # the last token received is the one kept

    def lost(self):
        # The request reaches the server but its answer never reaches the client: the client keeps
        # its token, whatever the server did.
        self.record.count("lost responses")
        self.attempt("lost", self.token)

    def burst(self):
        token = self.token
        size = self.random.randint(2, 4)
        self.record.count("bursts")
        self.record.count("burst requests", size)
        answers = []
        lock = threading.Lock()

        def one():
            reply, arrival = self.send("burst", token)
            with lock:
                answers.append((arrival, reply))

        threads = [threading.Thread(target=one, daemon=True) for _ in range(size)]
        for thread in threads:
            thread.start()
        limit = time.monotonic() + RETRY_WINDOW + 2 * REQUEST_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(0.1, limit - time.monotonic()))
        with lock:
            renewed = sorted((arrival, reply.token) for arrival, reply in answers if reply.status == 200 and reply.token)
        if renewed:
            self.adopt(renewed[-1][1])   # the newest token any of them returned

    def run(self, end):
        while self.record.now() < end:
            if self.needs_login:
                self.record.count("logins again")
                if not self.login(time.monotonic() + max(0.0, end - self.record.now())):
                    break
                continue
            roll = self.random.random()
            if roll < LOST_RATE:
                self.lost()
            elif roll < LOST_RATE + BURST_RATE:
                self.burst()
            else:
                self.plain()
            time.sleep(self.random.uniform(*THINK_TIME))


# MARK: - The test

def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode(errors="replace")
    except OSError as error:
        return f"(cannot read {path}: {error})"


def schedule():
    """The holds' start times, relative to the start of the load."""
    if PARTITIONS <= 0:
        return []
    last_start = DURATION - RECOVERY - HOLD
    if last_start < FIRST_PARTITION:
        raise SystemExit(f"GATEHOUSE_PARTITION_DURATION={DURATION:g} leaves no room for a {HOLD:g} s partition "
                         f"and {RECOVERY:g} s of recovery; make it at least {FIRST_PARTITION + HOLD + RECOVERY:g}")
    if PARTITIONS == 1:
        return [FIRST_PARTITION]
    spacing = (last_start - FIRST_PARTITION) / (PARTITIONS - 1)
    if spacing < HOLD + 5:
        raise SystemExit(f"{PARTITIONS} partitions of {HOLD:g} s need GATEHOUSE_PARTITION_DURATION of at least "
                         f"{FIRST_PARTITION + RECOVERY + HOLD + (PARTITIONS - 1) * (HOLD + 5):g}")
    return [FIRST_PARTITION + i * spacing for i in range(PARTITIONS)]


def wait_for_health(port, server, log_path, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if http_call(port, "GET", "/health", timeout=2).status == 200:
            return
        if server.poll() is not None:
            break
        time.sleep(0.25)
    print(tail(log_path))
    raise SystemExit("the server did not start; see " + log_path)


def create_clients(port, record, run_id):
    clients = []
    failures = []
    lock = threading.Lock()

    # Sign-ups and logins hash passwords (scrypt): a few at a time.
    def worker(indices):
        for index in indices:
            username = f"p{run_id}_{index:02d}"
            client = Client(index, port, record, username, SEED * 1000 + index)
            reply = http_call(port, "POST", "/v1/accounts",
                              body={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
                              user_agent=client.user_agent, timeout=60)
            if reply.status != 201:
                with lock:
                    failures.append(f"sign-up {username}: {reply.status} {reply.code or reply.detail or ''}")
                continue
            if not client.login(time.monotonic() + 60):
                with lock:
                    failures.append(f"login {username}")
                continue
            with lock:
                clients.append(client)

    groups = [list(range(CLIENTS))[i::4] for i in range(4)]
    threads = [threading.Thread(target=worker, args=(group,), daemon=True) for group in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    clients.sort(key=lambda c: c.index)
    return clients, failures


def analyse(record, clients, starts):
    requests = sorted(record.requests, key=lambda r: r["sent"])
    # The partitions produced 503s, and requests succeeded again after each heal.
    for index, (hold, heal) in enumerate(record.partitions, 1):
        during = [r for r in requests if hold <= r["sent"] < heal]
        unavailable = sum(1 for r in during if r["status"] == 503)
        timeouts = sum(1 for r in during if r["status"] == "timeout")
        check(f"partition {index} ({hold:.1f}-{heal:.1f} s): requests during it got 503",
              unavailable > 0, f"{len(during)} requests sent, {unavailable} 503s, {timeouts} timeouts")
        slowest = max((r["done"] - r["sent"] for r in during if r["status"] == 503), default=0)
        note(f"{len(during)} requests sent during it: {unavailable} x 503 (slowest {slowest:.1f} s), "
             f"{timeouts} without an answer in {REQUEST_TIMEOUT:g} s")
        check(f"partition {index}: every request sent during it was answered (none held past {REQUEST_TIMEOUT:g} s)",
              timeouts == 0, f"{timeouts} requests got no answer")
        following = starts[index] if index < len(starts) else DURATION
        limit = min(RECOVERY, following - heal)
        successes = [r["done"] - heal for r in requests
                     if r["status"] == 200 and r["sent"] >= heal and r["done"] <= heal + limit]
        first = min(successes) if successes else None
        back = {}
        for r in requests:
            if r["status"] == 200 and r["sent"] >= heal and r["done"] <= following:
                back.setdefault(r["client"], r["done"] - heal)
        everyone = f"; every client within {max(back.values()):.1f} s" if len(back) == len(clients) else \
            f"; {len(back)} of {len(clients)} clients got a 200 before the next partition"
        check(f"partition {index}: requests succeed again within {limit:.0f} s of the heal",
              first is not None, f"no 200 in {limit:.1f} s")
        if first is not None:
            note(f"first 200 {first:.2f} s after the heal{everyone}")


def main():
    starts = schedule()
    binary = os.path.abspath(BINARY) if BINARY else os.path.join(ROOT, ".build", "debug", "gatehouse")
    if not BINARY and not os.path.exists(binary):
        subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"{binary} is not an executable")
    workdir = tempfile.mkdtemp(prefix="gatehouse-partition.")
    log_path = os.path.join(workdir, "server.log")
    run_id = f"{random.randrange(16 ** 6):06x}"
    print(f"partition test: {CLIENTS} clients, {DURATION:g} s of load, {len(starts)} partitions of {HOLD:g} s, "
          f"grace period {GRACE_PERIOD}, seed {SEED}; files in {workdir}")
    print(f"       server: {binary} (built {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(os.path.getmtime(binary)))})")
    cluster("start")
    server = None
    proxy = None
    record = None
    clients = []
    shutdown = False   # not sent yet; then the seconds it took, or None when the server had to be killed
    try:
        proxy = PartitionProxy(cluster.port, lifetime=DURATION + 900)
        proxy.start()
        port = free_port()
        database = through(cluster.url(), proxy.port)
        with open(log_path, "wb") as log:
            server = subprocess.Popen([binary, "serve", "--database", database, "--port", str(port),
                                       "--secret", SECRET, "--grace-period", GRACE_PERIOD, "--log-level", "info"],
                                      cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                      # Every client signs up from 127.0.0.1.
                                      env=dict(os.environ, GATEHOUSE_SIGNUP_LIMIT="10000/1h"))
        wait_for_health(port, server, log_path)

        record = Record()
        clients, failures = create_clients(port, record, run_id)
        check(f"{CLIENTS} accounts created and logged in before the first partition",
              not failures and len(clients) == CLIENTS, "; ".join(failures[:5]))
        if len(clients) != CLIENTS:
            print(tail(log_path))
            return 1

        # The load, with the partitions.
        record.start = time.monotonic()
        threads = [threading.Thread(target=c.run, args=(DURATION,), name=f"client-{c.index}", daemon=True)
                   for c in clients]
        for thread in threads:
            thread.start()
        for start in starts:
            time.sleep(max(0.0, start - record.now()))
            proxy.hold()
            record.partitions.append([record.now(), None])
            print(f"       {record.now():6.1f} s  partition {len(record.partitions)}: held")
            time.sleep(HOLD)
            proxy.heal()
            record.partitions[-1][1] = record.now()
            print(f"       {record.now():6.1f} s  partition {len(record.partitions)}: healed")
        time.sleep(max(0.0, DURATION - record.now()))
        limit = time.monotonic() + RETRY_WINDOW + 3 * REQUEST_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(0.1, limit - time.monotonic()))
        stuck = [t.name for t in threads if t.is_alive()]
        check("every client finished its last action", not stuck, ", ".join(stuck))
        check("the server process stayed up during the load", server.poll() is None, f"exit code {server.poll()}")

        # No legitimate client was logged out.
        logged_out = [c for c in clients if c.logouts]
        codes = collections.Counter(code for c in clients for (_, _, _, code, _, _) in c.logouts)
        check("no legitimate client was logged out (no 401 for a token the server gave it)", not logged_out,
              f"{len(logged_out)} of {len(clients)} clients; 401s: "
              + ", ".join(f"{code} x{n}" for code, n in codes.most_common()))
        for client in logged_out:
            for (t, kind, label, code, newest, session) in client.logouts:
                note(f"client {client.index} (session {session}): {code} at {t:.1f} s ({record.where(t)}) "
                     f"for a {'plain' if kind == 'request' else kind} request carrying {label}, "
                     f"{'its newest token' if newest else 'an earlier token than its newest'}")

        # Every client's newest token still works, after a quiet moment.
        time.sleep(SETTLE)
        lost = []
        for client in clients:
            if client.needs_login:
                continue   # logged out at the end of the load, and counted above
            token = client.token
            label = client.label(token)
            reply, _ = client.send("final", token)
            if reply.status == 200 and reply.token:
                client.adopt(reply.token)
                again, _ = client.send("final", reply.token)
                if again.status != 200:
                    lost.append(f"client {client.index}: {label} worked but its successor got {again.status} {again.code or ''}")
            elif reply.status != 200:
                lost.append(f"client {client.index}: {label} got {reply.status} {reply.code or reply.detail or ''}")
        check("every client's newest token still works after the partitions (no acknowledged rotation lost)",
              not lost, f"{len(lost)} of {len(clients)} clients; " + "; ".join(lost[:6]))

        analyse(record, clients, starts)

        # A clean stop.
        connections = http_connections(port)
        note(f"before SIGTERM: the server holds {sum(connections.values())} HTTP connections "
             f"({', '.join(f'{n} {state}' for state, n in connections.most_common()) or 'none'}); "
             f"the proxy has {proxy.links} database connections open")
        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=SHUTDOWN_LIMIT)
            shutdown = time.monotonic() - began
            in_time = True
        except subprocess.TimeoutExpired:
            in_time = False
        check(f"SIGTERM stops the server within {SHUTDOWN_LIMIT:g} s",
              in_time, f"still running after {SHUTDOWN_LIMIT:g} s")
        if in_time:
            note(f"stopped {shutdown:.2f} s after SIGTERM")
        else:
            shutdown = diagnose_hang(server, proxy, began)
        check("the server exits with code 0", server.returncode == 0,
              f"exit code {server.returncode}" + ("" if shutdown is not None else ", killed by this test"))
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        if proxy is not None:
            proxy.close()
        cluster("stop")
        if record is not None:
            save(record, clients, workdir)
    if record is not None:
        summary(record, proxy, shutdown)
    if FAILED:
        logged_out = [c for c in clients if c.logouts]
        for client in logged_out[:3]:
            print(f"--- client {client.index}, its requests up to its first 401 (time, what, answer):")
            print("\n".join("    " + line for line in client.first_logout or []))
        print("--- the server log's last lines:")
        print(tail(log_path))
        print(f"--- the server log is {log_path}; every request is in {os.path.join(workdir, 'requests.jsonl')}")
    print(f"partition: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
              "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def http_connections(port):
    """The states of the server's side of its HTTP connections (Linux), listening socket and TIME_WAIT left out."""
    states = collections.Counter()
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state = fields[1], fields[3]
                if int(local.rsplit(":", 1)[1], 16) == port and state not in ("0A", "06"):
                    states[TCP_STATES.get(state, state)] += 1
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return states


def diagnose_hang(server, proxy, began):
    """SIGTERM did not stop the server in time: waits a little longer, then drops its database
    connections, then kills it. Returns how long it took to stop, or None when it had to be killed."""
    try:
        server.wait(timeout=5)
        stopped = time.monotonic() - began
        note(f"stopped {stopped:.2f} s after SIGTERM")
        return stopped
    except subprocess.TimeoutExpired:
        pass
    proxy.drop_connections()
    try:
        server.wait(timeout=10)
        stopped = time.monotonic() - began
        note(f"still running {SHUTDOWN_LIMIT + 5:g} s after SIGTERM; stopped {stopped:.1f} s after SIGTERM once the "
             "proxy dropped its database connections")
        return stopped
    except subprocess.TimeoutExpired:
        note(f"still running {time.monotonic() - began:.0f} s after SIGTERM, even with its database connections "
             "dropped; killed")
        server.kill()
        server.wait(timeout=30)
        return None


def save(record, clients, workdir):
    with open(os.path.join(workdir, "requests.jsonl"), "w") as f:
        for entry in sorted(record.requests, key=lambda r: r["sent"]):
            f.write(json.dumps(entry) + "\n")
        for index, (hold, heal) in enumerate(record.partitions, 1):
            f.write(json.dumps({"partition": index, "hold": round(hold, 3),
                                "heal": None if heal is None else round(heal, 3)}) + "\n")
    with open(os.path.join(workdir, "clients.txt"), "w") as f:
        for client in clients:
            f.write(f"client {client.index} ({client.username}, sessions {', '.join(map(str, client.session_ids))}), "
                    f"logouts: {len(client.logouts)}\n")
            f.write("".join(f"    {line}\n" for line in client.history))


def summary(record, proxy, shutdown):
    statuses = collections.Counter(r["status"] for r in record.requests)
    other = {k: v for k, v in statuses.items() if k not in (200, 401, 503, "timeout", "error")}
    slowest_503 = max((r["done"] - r["sent"] for r in record.requests if r["status"] == 503), default=0)
    c = record.counts
    print(f"summary: {len(record.requests)} requests: {statuses[200]} x 200, {statuses[503]} x 503 "
          f"(slowest {slowest_503:.1f} s), {statuses[401]} x 401, {statuses['timeout']} timeouts "
          f"(> {REQUEST_TIMEOUT:g} s), {statuses['error']} connection errors"
          + (f", other: {dict(other)}" if other else ""))
    print(f"         {c['lost responses']} lost responses simulated, {c['bursts']} bursts "
          f"({c['burst requests']} requests), {c['stragglers']} stragglers, {c['503 retries']} retries of a 503 "
          f"({c['503 retries given up']} given up), {c['logins again']} logins again after a logout")
    if proxy is not None:
        print(f"         {proxy.holds} partitions of {HOLD:g} s; proxy: {proxy.connections} database connections "
              f"({proxy.connections_during_holds} opened during a partition), {proxy.bytes_forwarded} bytes forwarded")
    if shutdown is False:
        print("         shutdown: not reached")
    elif shutdown is not None:
        print(f"         shutdown: {shutdown:.2f} s after SIGTERM"
              + (f" (limit {SHUTDOWN_LIMIT:g} s)" if shutdown > SHUTDOWN_LIMIT else ""))
    else:
        print("         shutdown: did not stop after SIGTERM (killed)")


if __name__ == "__main__":
    sys.exit(main())
