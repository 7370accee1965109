#!/usr/bin/env python3
"""Connection loss on PostgreSQL: the PostgreSQL server is stopped and started again while a Gatehouse
server runs on it. Requests during the outage must fail with 503 StoreUnavailable (not hang, not crash),
and succeed again once the database is back, without restarting Gatehouse.

Runs its own throwaway cluster (its own port and state folder) so it never disturbs other tests, and
the debug build of `gatehouse` (built when missing). Loopback only; every wait is bounded.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from testkit import FAILED, PASSED, Cluster, check, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cluster = Cluster(os.environ.get("GATEHOUSE_OUTAGE_PG_PORT", "54341"), ".build-pg-outage")


def request(port, method, path, body=None, token=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("User-Agent", "outage-test")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


def main():
    binary = os.path.join(ROOT, ".build", "debug", "gatehouse")
    if not os.path.exists(binary):
        subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
    cluster("start")
    server = None
    workdir = tempfile.mkdtemp(prefix="gatehouse-outage.")
    try:
        port = free_port()
        log = open(os.path.join(workdir, "server.log"), "wb")
        server = subprocess.Popen([binary, "serve", "--database", cluster.url(), "--port", str(port),
                                   "--secret", "outage-test-secret-0123456789abcdef", "--log-level", "warning"],
                                  cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                if request(port, "GET", "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start; see " + log.name)
            time.sleep(0.25)

        status, _, _ = request(port, "POST", "/v1/accounts",
                               {"username": "outage", "email": "outage@example.com", "password": "correct horse"})
        check("sign-up before the outage", status == 201, status)
        status, _, body = request(port, "POST", "/v1/login", {"username": "outage", "password": "correct horse"})
        check("login before the outage", status == 200, status)
        token = body["authToken"]
        status, headers, _ = request(port, "GET", "/v1/me", token=token)
        check("authenticated request before the outage", status == 200, status)
        token = headers.get("Auth-Token") or token

        cluster("pause")
        for attempt in range(3):
            status, _, body = request(port, "GET", "/v1/me", token=token, timeout=60)
            code = (body or {}).get("error", {}).get("code")
            check(f"request {attempt + 1} during the outage is 503 StoreUnavailable", status == 503 and code == "StoreUnavailable", f"{status} {code}")
        status, _, body = request(port, "POST", "/v1/login", {"username": "outage", "password": "correct horse"}, timeout=60)
        check("login during the outage is 503", status == 503, status)
        check("the server is still up during the outage", request(port, "GET", "/health")[0] == 200)

        cluster("resume")
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline:
            status, headers, _ = request(port, "GET", "/v1/me", token=token, timeout=60)
            if status == 200:
                break
            time.sleep(0.25)
        check("the same token works again once the database is back", status == 200, status)
        renewed = headers.get("Auth-Token") if status == 200 else None
        check("and it is renewed", bool(renewed) and renewed != token)
        status, _, _ = request(port, "POST", "/v1/login", {"username": "outage", "password": "correct horse"})
        check("login works again", status == 200, status)
        check("the server process was never restarted", server.poll() is None)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        cluster("stop")
    print(f"outage: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
