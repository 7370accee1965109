"""What the Python end-to-end tests of this repository share: ok/FAILED lines, a throwaway PostgreSQL
cluster of the test's own (its own port and state folder), free loopback ports, the server's replies and
the processes a test starts."""
import errno
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER_SCRIPT = os.path.join(ROOT, "scripts", "postgres-test-cluster.sh")

PASSED = []
FAILED = []


def check(name, condition, detail=""):
    """Records and prints one check; `detail` is printed only when it fails."""
    (PASSED if condition else FAILED).append(name)
    print(("ok     " if condition else "FAILED ") + name + (f" ({detail})" if detail and not condition else ""))


def note(text):
    print("       " + text)


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1:`port`, its state in `state_dir` (see
    scripts/postgres-test-cluster.sh)."""

    def __init__(self, port, state_dir):
        self.port = int(port)
        self.env = dict(os.environ, GATEHOUSE_TEST_PG_PORT=str(port), GATEHOUSE_TEST_PG_STATE_DIR=os.path.join(ROOT, state_dir))

    def __call__(self, command):
        """Runs one command of the cluster script: start, stop, pause, resume."""
        subprocess.run(["bash", CLUSTER_SCRIPT, command], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def url(self):
        return subprocess.run(["bash", CLUSTER_SCRIPT, "url"], env=self.env, check=True, capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def json_request(port, method, path, body=None, token=None, user_agent="gatehouse-tests", timeout=30):
    """One request to the server on 127.0.0.1:port, on a connection of its own: `body` as JSON, `token`
    as a bearer token. Returns (status, headers as (name, value) pairs, raw body bytes); connection
    errors and timeouts are raised to the caller."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"User-Agent": user_agent, "Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class Reply:
    """One reply of the server: `status`, `headers` ((name, value) pairs as received), `raw` (the body's
    bytes) and `json` (the body parsed, or None when it is empty or not JSON)."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def header(self, name):
        """The first value of header `name` (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def headers_named(self, name):
        """Every value of header `name` (any case), in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def field(self, name):
        """Top-level field `name` of a JSON object body, or None."""
        return self.json.get(name) if isinstance(self.json, dict) else None

    @property
    def code(self):
        """error.code of an error body, or None."""
        error = self.field("error")
        return error.get("code") if isinstance(error, dict) else None

    @property
    def detail(self):
        """error.detail of an error body, or None."""
        error = self.field("error")
        return error.get("detail") if isinstance(error, dict) else None

    def __repr__(self):
        return f"{self.status} {self.raw[:200].decode(errors='replace')}"


def run(function, *arguments):
    """Runs one scenario; an exception is a failed check rather than the end of the run."""
    began = time.monotonic()
    try:
        function(*arguments)
    except Exception as error:   # noqa: BLE001 — reported as a failure, the run goes on
        where = [f"line {frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)
                 if frame.filename == function.__code__.co_filename]
        check(f"{function.__name__} ran to its end", False, f"{type(error).__name__} at {', '.join(where[-2:])}: {error}")
    note(f"{function.__name__}: {time.monotonic() - began:.1f} s")


def server_environment(**settings):
    """This process's environment without GATEHOUSE_* settings (the flags alone say what a server does),
    plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}, **settings}


def answers_health(process, port, limit):
    """Whether the server `process` started answers 200 to GET /health on `port` within `limit` seconds;
    False as soon as it exits."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if json_request(port, "GET", "/health", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def wait_for(probe, limit, interval=0.2):
    """The first true value `probe` returns within `limit` seconds, else None."""
    deadline = time.monotonic() + limit
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def while_relinking(call, relink_wait):
    """call()'s result; while it fails with ETXTBSY (a build is relinking the binary it runs) it is tried
    again every 0.5 s, up to `relink_wait` seconds."""
    deadline = time.monotonic() + relink_wait
    while True:
        try:
            return call()
        except OSError as error:
            if error.errno != errno.ETXTBSY or time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def spawn(arguments, processes, relink_wait, **options):
    """subprocess.Popen(arguments, **options), appended to `processes` (the caller's list of what it
    started, for stopping them at the end); a binary being relinked is waited for, up to `relink_wait`
    seconds."""
    process = while_relinking(lambda: subprocess.Popen(arguments, **options), relink_wait)
    processes.append(process)
    return process


def stop(process):
    """SIGTERM to a process this script started, then SIGKILL if it is still running 15 s later."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        note(f"process {process.pid} still running 15 s after SIGTERM: killed")
        process.kill()
        process.wait(timeout=15)


def tidy(servers, workdir, keep):
    """After a run: the last lines of each server's log when a check failed, and the work folder removed
    unless `keep` is set or a check failed."""
    if FAILED:
        for server in servers:
            print(f"--- the last lines of the {server.name} server's log:\n{server.log_tail()}")
    if keep or FAILED:
        print(f"       files kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def summary(label, began):
    """Prints how long the run took and its counts; returns the script's exit status."""
    print(f"       {time.monotonic() - began:.0f} s in all")
    print(f"{label}: {len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0
