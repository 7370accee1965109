#!/usr/bin/env python3
"""Revocation by the admin CLI while `gatehouse serve` is under load, on one SQLite file.

The server keeps the sessions it read since the last commit to its file and answers them again without a
query, and carries them over its own commits of rotations. That is only allowed if it stays exact: a
session the CLI ends — another process, its own connection to the file — must be refused by the very next
request. Everything below runs twice, on a server of its own each time: renewal by interval (the load is
reads) and renewal on every request (the load is rotations, each client following its newest token).

Covered, each a named check:
 1. eight clients, each with its own session on a keep-alive connection, call GET /v1/me in a loop
    (bounded by count and time) while `gatehouse sessions revoke USERNAME --database FILE` ends their
    sessions one account after another;
 2. every request that started after the CLI returned is 401, for every account; every request of an
    account that ended before the CLI started was 200 (the load was real, and served);
 3. the server answered many requests between revocations (the kept sessions were in use), and a new
    login of a revoked account works at once (nothing stale is kept for it);
 4. no server log line holds a session token.

Knobs (environment): GATEHOUSE_REVOCATION_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built
when missing), GATEHOUSE_REVOCATION_KEEP (set: keep the work folder with the server log).

Loopback only; every wait and loop is bounded; only the processes this script started are stopped, by
their id.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import testkit
from testkit import Reply, check, free_port, json_request, note, run, server_environment, spawn, stop, wait_for

ROOT = testkit.ROOT
BINARY = os.path.abspath(os.environ["GATEHOUSE_REVOCATION_BINARY"]) if os.environ.get("GATEHOUSE_REVOCATION_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_REVOCATION_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-revocation.")

PASSWORD = "correct horse battery staple"
USER_AGENT = "revocation-under-load-test"
CLIENTS = 8
START_WAIT = 60.0
LOAD_LIMIT = 60.0          # the load stops after this long whatever happens
REQUESTS_PER_CLIENT = 20_000
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m"]

PROCESSES = []


def call(port, method, path, body=None, token=None):
    return Reply(*json_request(port, method, path, body=body, token=token, user_agent=USER_AGENT))


class Client(threading.Thread):
    """GET /v1/me with one bearer token on one keep-alive connection, until told to stop or its bound;
    records (started, ended, status) of each request, on the monotonic clock of this process."""

    def __init__(self, port, token, rotating):
        super().__init__(daemon=True)
        self.port, self.token, self.rotating = port, token, rotating
        self.records = []
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.monotonic() + LOAD_LIMIT
        try:
            for _ in range(REQUESTS_PER_CLIENT):
                if self.stopping.is_set() or time.monotonic() > deadline:
                    break
                started = time.monotonic()
                connection.request("GET", "/v1/me", headers={"User-Agent": USER_AGENT, "Authorization": f"Bearer {self.token}"})
                response = connection.getresponse()
                response.read()
                self.records.append((started, time.monotonic(), response.status))
                renewed = response.getheader("Auth-Token")
                if renewed and not self.rotating:
                    self.error = "a response renewed the token, so the load was not reads"
                if response.status == 200 and self.rotating:
                    if not renewed:
                        self.error = "a response did not renew the token, so the load was not rotations"
                        break
                    self.token = renewed
        except OSError as error:
            self.error = repr(error)
        finally:
            connection.close()


def statuses_started_after(client, moment):
    """The statuses of `client`'s requests that started after `moment`."""
    return [status for (began, _, status) in list(client.records) if began > moment]


def revoke(database, username):
    """`gatehouse sessions revoke USERNAME --database FILE`: (exit code, output, started, returned)."""
    started = time.monotonic()
    result = subprocess.run([BINARY, "sessions", "revoke", username, "--database", database], capture_output=True,
                            text=True, timeout=60, env=server_environment(), cwd=WORKDIR)
    return result.returncode, result.stdout + result.stderr, started, time.monotonic()


def scenario(port, database, log_path, mode, rotating):
    usernames = [f"loaded{index}" for index in range(CLIENTS)]
    tokens = {}
    for username in usernames:
        reply = call(port, "POST", "/v1/accounts", {"username": username, "email": f"{username}@example.com", "password": PASSWORD})
        if reply.status != 201:
            raise RuntimeError(f"sign-up of {username} failed: {reply}")
        login = call(port, "POST", "/v1/login", {"username": username, "password": PASSWORD})
        if login.status != 200 or not login.field("authToken"):
            raise RuntimeError(f"login of {username} failed: {login}")
        tokens[username] = login.field("authToken")

    clients = {username: Client(port, tokens[username], rotating) for username in usernames}
    for client in clients.values():
        client.start()
    # The load runs a moment before the first revocation, and between each two.
    wait_for(lambda: all(len(c.records) >= 50 for c in clients.values()), 30, interval=0.05)
    revocations = {}
    for username in usernames:
        code, output, started, returned = revoke(database, username)
        revocations[username] = (code, output, started, returned)
        check(f"{mode}: CLI: `gatehouse sessions revoke {username}` exits 0", code == 0, output.strip())
        # Counted from when the CLI returned, and per client: requests answered while the CLI ran do not
        # count, and the revoked account's own client must go on too.
        wait_for(lambda: all(len(statuses_started_after(c, returned)) >= 25 for c in clients.values()), 10, interval=0.02)
    for client in clients.values():
        client.stopping.set()
    for client in clients.values():
        client.join(timeout=LOAD_LIMIT + 30)

    for username in usernames:
        client = clients[username]
        _, _, started, returned = revocations[username]
        after = statuses_started_after(client, returned)
        before = [status for (_, ended, status) in client.records if ended < started]
        check(f"{mode}: load: {username}'s client ran without a connection error", client.error is None, client.error)
        check(f"{mode}: load: every request of {username} that ended before the CLI started was 200 ({len(before)})",
              len(before) > 0 and all(status == 200 for status in before), sorted(set(before)))
        check(f"{mode}: load: every request of {username} that started after the CLI returned was 401 ({len(after)})",
              len(after) > 0 and all(status == 401 for status in after), sorted(set(after)))

    served = sum(1 for c in clients.values() for (_, _, status) in c.records if status == 200)
    note(f"{mode}: {served} requests answered 200, {sum(len(c.records) for c in clients.values())} in all")
    check(f"{mode}: load: the server answered hundreds of authenticated requests during the revocations", served >= CLIENTS * 50, served)

    again = call(port, "POST", "/v1/login", {"username": usernames[0], "password": PASSWORD})
    token = again.field("authToken") if again.status == 200 else None
    check(f"{mode}: after: a revoked account logs in again at once", token is not None, again)
    if token:
        me = call(port, "GET", "/v1/me", token=token)
        check(f"{mode}: after: its new session is served", me.status == 200, me)
        check(f"{mode}: after: the old session stays refused", call(port, "GET", "/v1/me", token=tokens[usernames[0]]).status == 401)

    with open(log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    # The first token of each account and, under rotation, the newest its client held.
    presented = list(tokens.items()) + [(username, c.token) for username, c in clients.items()]
    leaked = sorted({username for username, token in presented if token in log or token.split(".")[-1] in log})
    check(f"{mode}: log: no session token in any server log line", not leaked, leaked)


class ServerLog:
    """The server's log file, as `testkit.tidy` reads it."""

    name = "gatehouse serve"

    def __init__(self, path):
        self.path = path

    def log_tail(self, lines=20):
        with open(self.path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])


def main():
    began = time.monotonic()
    if not os.path.exists(BINARY):
        subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
    logs = []
    for mode, renewal, rotating in [("reads", "1h", False), ("rotations", "every-request", True)]:
        port = free_port()
        database = os.path.join(WORKDIR, f"gatehouse-{mode}.sqlite")
        log_path = os.path.join(WORKDIR, f"server-{mode}.log")
        logs.append(ServerLog(log_path))
        with open(log_path, "wb") as log:
            server = spawn([BINARY, "serve", "--port", str(port), "--database", database, "--renewal", renewal, *LIMITS],
                           PROCESSES, 30, cwd=WORKDIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           env=server_environment())
        try:
            if not testkit.answers_health(server, port, START_WAIT):
                check(f"{mode}: the server starts", False, f"exit code {server.poll()}")
            else:
                run(scenario, port, database, log_path, mode, rotating)
        finally:
            stop(server)
    testkit.tidy(logs, WORKDIR, KEEP)
    return testkit.summary("revocation under load", began)


if __name__ == "__main__":
    sys.exit(main())
