#!/usr/bin/env python3
"""Client side of scripts/crash-test.sh: drives a Gatehouse server until it is killed, then checks
after the restart that nothing the server acknowledged was lost.

  crash_client.py drive  --url URL --state FILE --progress FILE [--accounts N] [--seconds S]
  crash_client.py verify --url URL --state FILE --database PATH --grace SECONDS

`drive` signs up accounts and logs them in (or continues with those in the state file), then runs one
thread per session that renews its token request after request, exactly as a client holding one token
would, plus a thread that keeps signing up and logging in new accounts. It only records what a complete
response acknowledged; a request cut off by the kill is remembered as lost. It stops when the server is
gone (or after --seconds) and writes the state file.

`verify` checks, after the restart: every acknowledged sign-up is stored, every session's acknowledged
token still authenticates (directly, or through the lost-response rule when its successor was
committed but never received), the database passes `PRAGMA integrity_check` and its foreign-key check,
and no session or account row is half-written.

Standard library only; talks to 127.0.0.1 only.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import socket
import sqlite3
import sys
import threading
import time
import urllib.parse

USER_AGENT = "gatehouse-crash-test/1"
PASSWORD = "crash test password 0123"


class ServerGone(Exception):
    """The connection was refused, reset or cut: the server is down."""


class Client:
    """One keep-alive connection, as one browser tab or app would hold."""

    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        if parsed.hostname != "127.0.0.1":
            raise SystemExit("the crash test only talks to 127.0.0.1")
        self.host, self.port = parsed.hostname, parsed.port
        self.connection = None

    def request(self, method, path, body=None, token=None):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as error:
                self.connection.close()
                self.connection = None
                # A keep-alive connection the server closed between requests is retried once on a
                # new one; a refused connection means the server is gone.
                if isinstance(error, ConnectionRefusedError) or attempt == 1:
                    raise ServerGone(str(error)) from error
        raise ServerGone("unreachable")


def secret_digest(token):
    """SHA-256 of the token's `rnd` claim: what the store keeps for it."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    rnd = claims["rnd"]
    return hashlib.sha256(base64.urlsafe_b64decode(rnd + "=" * (-len(rnd) % 4))).digest()


class Drive:
    def __init__(self, url, state, progress_path, deadline):
        self.url = url
        self.state = state
        self.progress_path = progress_path
        self.deadline = deadline
        self.lock = threading.Lock()
        self.down = threading.Event()
        self.renewals = 0
        self.sign_ups = 0
        self.errors = []

    def note_progress(self):
        with open(self.progress_path + ".tmp", "w") as handle:
            handle.write("%d %d" % (self.renewals, self.sign_ups))
        os.replace(self.progress_path + ".tmp", self.progress_path)

    def running(self):
        return not self.down.is_set() and time.monotonic() < self.deadline

    def sign_up_and_log_in(self, client, username):
        status, _, body = client.request("POST", "/v1/accounts", {
            "username": username, "email": username + "@example.com", "password": PASSWORD})
        if status != 201:
            raise RuntimeError("sign-up of %s answered %d: %s" % (username, status, body[:200]))
        with self.lock:
            self.state["accounts"].append(username)
        self.log_in(client, username)

    def log_in(self, client, username):
        status, _, body = client.request("POST", "/v1/login", {"username": username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError("login of %s answered %d: %s" % (username, status, body[:200]))
        answer = json.loads(body)
        session = {"id": answer["session"]["id"], "username": username, "token": answer["authToken"], "lost": False}
        with self.lock:
            self.state["sessions"].append(session)
        return session

    def renew_loop(self, session):
        client = Client(self.url)
        while self.running():
            try:
                status, headers, body = client.request("GET", "/v1/me", token=session["token"])
            except ServerGone:
                # This request's answer, and any token it carried, never arrived.
                session["lost"] = True
                self.down.set()
                return
            if status != 200:
                with self.lock:
                    self.errors.append("session %s: /v1/me answered %d %s" % (session["id"], status, body[:200]))
                return
            session["token"] = headers.get("auth-token", session["token"])
            with self.lock:
                self.renewals += 1

    def sign_up_loop(self, first_index):
        client = Client(self.url)
        index = first_index
        while self.running():
            username = "crash%d" % index
            index += 1
            try:
                self.sign_up_and_log_in(client, username)
                with self.lock:
                    self.sign_ups += 1
            except ServerGone:
                self.down.set()
                return
            except RuntimeError as error:
                with self.lock:
                    self.errors.append(str(error))
                return

    def run(self, accounts):
        client = Client(self.url)
        if not self.state["accounts"]:
            for index in range(accounts):
                self.sign_up_and_log_in(client, "crash%d" % index)
                self.log_in(client, "crash%d" % index)
        threads = [threading.Thread(target=self.renew_loop, args=(session,)) for session in self.state["sessions"]]
        threads.append(threading.Thread(target=self.sign_up_loop, args=(len(self.state["accounts"]) + 1000 * self.state["round"],)))
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            with self.lock:
                self.note_progress()
            time.sleep(0.05)
        self.note_progress()


def drive(arguments):
    state = {"accounts": [], "sessions": [], "round": 0}
    if os.path.exists(arguments.state):
        with open(arguments.state) as handle:
            state = json.load(handle)
    state["round"] += 1
    for session in state["sessions"]:
        session["lost"] = False
    run = Drive(arguments.url, state, arguments.progress, time.monotonic() + arguments.seconds)
    run.run(arguments.accounts)
    with open(arguments.state, "w") as handle:
        json.dump(state, handle)
    lost = sum(1 for session in state["sessions"] if session["lost"])
    print("drive round %d: %d sign-ups and %d renewals acknowledged, %d requests cut off by the kill; %d accounts, %d sessions in all"
          % (state["round"], run.sign_ups, run.renewals, lost, len(state["accounts"]), len(state["sessions"])))
    if run.errors:
        print("FAILED while driving:\n  " + "\n  ".join(run.errors[:10]), file=sys.stderr)
        return 1
    if not run.down.is_set():
        print("FAILED: the server was never killed during the drive", file=sys.stderr)
        return 1
    return 0


def check_database(path):
    """Integrity, foreign keys, and complete rows; returns a list of problems."""
    problems = []
    database = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True, timeout=10)
    try:
        integrity = [row[0] for row in database.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append("integrity_check: %s" % integrity[:5])
        foreign = list(database.execute("PRAGMA foreign_key_check"))
        if foreign:
            problems.append("foreign_key_check: %s" % foreign[:5])
        for row in database.execute(
                "SELECT id, length(current_hash), previous_hash IS NULL, length(previous_hash), rotated_at IS NULL, "
                "length(older_secrets), created_at, last_used_at, expires_at, valid, revoked_reason, ip, user_agent "
                "FROM sessions"):
            (sid, current, no_previous, previous, no_rotation, older, created, used, expires, valid, reason, ip, agent) = row
            if current != 32:
                problems.append("session %s: current secret digest of %s bytes" % (sid, current))
            if not no_previous and previous != 32:
                problems.append("session %s: previous digest of %s bytes" % (sid, previous))
            if no_previous != no_rotation:
                problems.append("session %s: a previous digest without a rotation time, or the reverse" % sid)
            if older % 40 != 0:
                problems.append("session %s: history of %d bytes" % (sid, older))
            if not (created <= used and created < expires):
                problems.append("session %s: times out of order" % sid)
            if valid not in (0, 1) or (valid == 0) != (reason is not None):
                problems.append("session %s: validity and revocation reason disagree" % sid)
            if ip is None or agent is None:
                problems.append("session %s: no connection info" % sid)
        for (account, primaries, hash_length) in database.execute(
                "SELECT a.id, (SELECT count(*) FROM contacts c WHERE c.account_id = a.id AND c.is_primary = 1), "
                "length(a.password_hash) FROM accounts a"):
            if primaries != 1:
                problems.append("account %s: %d primary contacts" % (account, primaries))
            if hash_length != 128:
                problems.append("account %s: password hash of %s characters" % (account, hash_length))
        digests = {}
        for (sid, current, previous) in database.execute("SELECT id, current_hash, previous_hash FROM sessions"):
            digests[sid] = (bytes(current), bytes(previous) if previous is not None else None)
        usernames = {row[0] for row in database.execute("SELECT username FROM accounts")}
        return problems, digests, usernames
    finally:
        database.close()


def verify(arguments):
    with open(arguments.state) as handle:
        state = json.load(handle)
    problems, digests, usernames = check_database(arguments.database)

    missing = [name for name in state["accounts"] if name not in usernames]
    if missing:
        problems.append("acknowledged sign-ups missing after the crash: %s" % missing[:10])

    # Past the grace period, so that a token whose successor was committed but never received is
    # judged by the lost-response rule, not merely tolerated as a recent one.
    time.sleep(arguments.grace + 0.5)
    direct = lost_response = 0
    client = Client(arguments.url)
    for session in state["sessions"]:
        stored = digests.get(session["id"])
        if stored is None:
            problems.append("session %s: acknowledged by a login, missing after the crash" % session["id"])
            continue
        digest = secret_digest(session["token"])
        if digest == stored[0]:
            direct += 1
        elif digest == stored[1]:
            lost_response += 1
        else:
            problems.append("session %s: the acknowledged token is neither its current nor its previous one" % session["id"])
            continue
        status, headers, body = client.request("GET", "/v1/me", token=session["token"])
        if status != 200:
            problems.append("session %s: acknowledged token refused after the restart: %d %s" % (session["id"], status, body[:200]))
            continue
        session["token"] = headers.get("auth-token", session["token"])
        # The renewed token must be the one that works from now on.
        status, headers, body = client.request("GET", "/v1/me", token=session["token"])
        if status != 200:
            problems.append("session %s: the token issued after the restart is refused: %d" % (session["id"], status))
            continue
        session["token"] = headers.get("auth-token", session["token"])

    with open(arguments.state, "w") as handle:
        json.dump(state, handle)
    print("verify: %d accounts stored, %d sessions: %d current, %d through the lost-response rule; integrity ok"
          % (len(usernames), len(state["sessions"]), direct, lost_response) if not problems else "verify: FAILED")
    if problems:
        print("  " + "\n  ".join(problems[:20]), file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    drive_parser = sub.add_parser("drive")
    drive_parser.add_argument("--url", required=True)
    drive_parser.add_argument("--state", required=True)
    drive_parser.add_argument("--progress", required=True)
    drive_parser.add_argument("--accounts", type=int, default=6)
    drive_parser.add_argument("--seconds", type=float, default=120)
    verify_parser = sub.add_parser("verify")
    verify_parser.add_argument("--url", required=True)
    verify_parser.add_argument("--state", required=True)
    verify_parser.add_argument("--database", required=True)
    verify_parser.add_argument("--grace", type=float, default=1)
    arguments = parser.parse_args()
    return drive(arguments) if arguments.mode == "drive" else verify(arguments)


if __name__ == "__main__":
    sys.exit(main())
