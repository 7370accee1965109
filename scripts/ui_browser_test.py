#!/usr/bin/env python3
"""The account pages of `gatehouse serve` (/ui/*) in a real browser: headless Chromium from the Debian
packages (`chromium`, `chromium-driver`) driven by Selenium, against a real server on a SQLite file in a
temporary folder, with mail written as .eml files into its ./gatehouse-mail/.

Covered, each a named check:
 1. the whole journey: sign-up, the verification message and its link, Confirm, the account page saying
    the address is confirmed, log out (a POST), log in again, the devices page seen from a second browser
    profile (two devices, this one marked, "Chrome on Linux", "… ago"), ending the first device from the
    second, and the first browser signed out;
 2. password recovery from the login page's link, the reset message, a weak new password refused next
    to its field, the new password working, the spent link and the old password refused in words;
 3. forms posted without their CSRF token (or with a wrong one, or one of another browser or of before
    the login) refused with 403 "form expired", signed out and signed in, in the browser and with a plain
    HTTP client;
 4. `return_to`: the server's own paths honoured, foreign or tricky targets ignored, an origin allowed
    with --ui-return-origin followed;
 5. field errors in words, next to their field (a weak password, a taken username or address, an
    address without @);
 6. headers: Content-Security-Policy without inline script, framing refused, Referrer-Policy on the
    pages with a token in their URL, the session cookie HttpOnly, no auth token in any page;
 7. GET /ui/logout does not log out;
 8. the pages work with JavaScript off;
 9. axe-core on every page: no violation of impact "serious" or "critical";
10. the keyboard: Tab reaches username, password and the button in order; every input is labelled;
11. `--no-ui`: /ui/* is 404;
12. no horizontal scrolling at a phone's width (390 px), and screenshots of /ui/login and /ui/sessions
    (1280x900, two devices) written to --screenshots DIR (default: a temporary folder of its own);
13. the forms of /ui/account: a new password (errors next to the fields; the other device signed out), a
    new e-mail address confirmed from its message, deleting the account.

Knobs (environment): GATEHOUSE_UI_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing), GATEHOUSE_UI_KEEP (set: keep the work folder with the server logs).

Never downloads a browser or a driver (Selenium Manager stays offline). Loopback only; every wait is
bounded; only the servers and browsers this script started are stopped.
"""
import argparse
import email
import email.policy
import glob
import html.parser
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

os.environ["SE_OFFLINE"] = "true"   # Selenium Manager must never fetch a browser or a driver

import requests
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from testkit import FAILED, PASSED, check, free_port, note

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 10.0            # every browser wait
MAIL_WAIT = 15.0       # a message must arrive this soon (the courier looks every second)
START_WAIT = 60.0      # the server must answer /health this soon
SIZE = (1280, 900)     # the window, and the screenshots
PHONE = (390, 844)
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new and better passphrase"
USER_AGENT = "ui-browser-test"
SESSION_COOKIE = "__Host-gatehouse"
RETURN_ORIGIN = "https://app.example.test"   # allowed with --ui-return-origin (never visited)
# Every sign-up, login and message request comes from 127.0.0.1: limits out of the way.
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m",
          "--message-email-limit", "1000/1h", "--message-address-limit", "10000/1h"]
GATEHOUSE_UI_KEEP = bool(os.environ.get("GATEHOUSE_UI_KEEP"))
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
ERROR_CODE = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")   # WeakPassword, UsernameTaken, LoginFailed


# ---------------------------------------------------------------------------------------------------
# The server

class Server:
    """`gatehouse serve` on a free loopback port, a SQLite file and its mail folder in its own temporary
    folder (its working directory)."""

    def __init__(self, binary, workdir, name, *flags):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir, "server.log")
        self.mail_dir = os.path.join(self.dir, "gatehouse-mail")
        self.seen_mail = set()
        # The settings come from the flags only, not from GATEHOUSE_* variables of whoever runs this.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        command = [binary, "serve", "--port", str(self.port), "--database", os.path.join(self.dir, "gatehouse.sqlite"),
                   "--public-url", self.url, "--log-level", "info", *LIMITS, *flags]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        print(self.log_tail())
        self.stop()
        raise SystemExit(f"the server did not start; see {self.log_path}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def wait_for_link(self, to, path):
        """The first link to `path` in a message to `to` that arrived since the last call; (link, file).
        None after MAIL_WAIT seconds."""
        deadline = time.monotonic() + MAIL_WAIT
        while time.monotonic() < deadline:
            for file in sorted(glob.glob(os.path.join(self.mail_dir, "*.eml")), key=os.path.getmtime):
                if file in self.seen_mail:
                    continue
                with open(file, "rb") as f:
                    message = email.message_from_binary_file(f, policy=email.policy.default)
                if to not in str(message["To"]):
                    continue
                text = message.get_body(("plain",)).get_content()
                for link in re.findall(r"https?://[^\s<>\"]+", text):
                    if urllib.parse.urlsplit(link).path == path:
                        self.seen_mail.add(file)
                        return link, file
            time.sleep(0.2)
        return None, None


class FormParser(html.parser.HTMLParser):
    """The forms of a page: their action and their inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "id": attrs.get("id", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(page):
    parser = FormParser()
    parser.feed(page)
    return parser.forms


class Client:
    """A plain HTTP client (requests) with its own cookies, posting forms the way a browser would (with
    the server's Origin)."""

    def __init__(self, server):
        self.server = server
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def loopback(self, reply):
        """Lets the `Secure` cookies just received travel over plain HTTP to the loopback server, as
        browsers do for 127.0.0.1 (the jar would keep them for https:// only)."""
        for cookie in self.session.cookies:
            cookie.secure = False
        return reply

    def get(self, path, **kwargs):
        return self.loopback(self.session.get(self.server.url + path, timeout=10, allow_redirects=False, **kwargs))

    def post(self, path, fields, **kwargs):
        return self.loopback(self.session.post(self.server.url + path, data=fields, timeout=10, allow_redirects=False,
                                               headers={"Origin": self.server.url}, **kwargs))

    def form(self, path, action):
        """The fields of the form posting to `action` on the page at `path` (its csrf_token among them)."""
        page = self.get(path)
        for form in forms_of(page.text):
            if form["action"] == action:
                return form["fields"]
        return {}

    def login(self, username, password):
        fields = self.form("/ui/login", "/ui/login")
        fields.update(username=username, password=password)
        return self.post("/ui/login", fields)

    def api(self, method, path, body):
        return self.session.request(method, self.server.url + path, json=body, timeout=10, allow_redirects=False,
                                    headers={"Origin": self.server.url, "Gatehouse-Transport": "bearer"})


# ---------------------------------------------------------------------------------------------------
# The browser

class Browser:
    """One headless Chromium profile (its own --user-data-dir) and its driver."""

    def __init__(self, name, server, workdir, javascript=True, size=SIZE):
        self.name = name
        self.server = server
        profile = os.path.join(workdir, "profile-" + name)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-sync", "--disable-component-update",
                         "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                         # Loopback only: a redirect to another site (a return_to gone wrong) ends in a
                         # "not found" page here instead of a request on the network.
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
            options.add_argument(argument)
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        # The performance log carries the Network events: the status and headers of each page.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        service = Service(CHROMEDRIVER, log_output=os.path.join(workdir, f"chromedriver-{name}.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.driver.set_window_size(*size)

    def quit(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    # Navigation

    def go(self, path):
        self.responses()   # forget the earlier ones
        self.driver.get(path if path.startswith(("http:", "https:", "data:")) else self.server.url + path)

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def url_parts(self):
        return urllib.parse.urlsplit(self.driver.current_url)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def source(self):
        return self.driver.page_source

    def responses(self):
        """The main-document responses since the last call: [(url, status, headers lower-cased)]."""
        found = []
        try:
            entries = self.driver.get_log("performance")
        except WebDriverException:
            return found
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.responseReceived":
                continue
            params = message["params"]
            if params.get("type") != "Document":
                continue
            response = params["response"]
            found.append((response["url"], response["status"],
                          {k.lower(): v for k, v in response.get("headers", {}).items()}))
        return found

    def last_status(self):
        responses = self.responses()
        return responses[-1][1] if responses else None

    # Forms

    def form(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def fill(self, form, values):
        for name, value in values.items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)

    def submit(self, form, values=None, button=None):
        """Fills `values` into `form`, clicks its submit button (or `button`) and waits for the next page."""
        if values:
            self.fill(form, values)
        self.responses()
        button = button or form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], button:not([type])")
        self.click_and_wait(button)

    def click_and_wait(self, element):
        page = self.driver.find_element(By.TAG_NAME, "html")
        try:
            element.click()
        except WebDriverException as error:
            # The click started the navigation before the driver was done with the button: the page
            # must still change, which the wait below checks.
            if "does not belong to the document" not in (error.msg or "") and "stale" not in (error.msg or ""):
                raise
        self.wait_for_next_page(page)

    def wait_for_next_page(self, page):
        """Waits until `page` (the old document's <html>) is gone and the next document has loaded."""
        def gone(_):
            try:
                page.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                if "does not belong to the document" in (error.msg or ""):   # mid-navigation
                    return True
                raise
        WebDriverWait(self.driver, WAIT).until(gone)
        WebDriverWait(self.driver, WAIT, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def login(self, username, password, path="/ui/login"):
        self.go(path)
        self.submit(self.form("#login-form"), {"username": username, "password": password})

    def logout(self):
        """Logs out with the layout's POST button."""
        self.submit(self.form("form[action='/ui/logout']"))

    def field_error(self, field_id):
        """The error shown next to input #field_id: the text of the element its aria-describedby points at
        with an error, or of a .field-error in the same .field; None when there is none."""
        try:
            field = self.driver.find_element(By.ID, field_id)
        except NoSuchElementException:
            return None
        for described in (field.get_attribute("aria-describedby") or "").split():
            try:
                element = self.driver.find_element(By.ID, described)
            except NoSuchElementException:
                continue
            if "error" in (element.get_attribute("class") or "") or "error" in described:
                return element.text.strip()
        try:
            return field.find_element(
                By.XPATH, "ancestor::*[contains(@class,'field')][1]//*[contains(@class,'field-error')]").text.strip()
        except NoSuchElementException:
            return None

    def alert(self):
        elements = self.driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
        return " ".join(e.text.strip() for e in elements).strip() or None

    def session_cookie(self):
        for cookie in self.driver.get_cookies():
            if cookie["name"] == SESSION_COOKIE:
                return cookie
        return None

    def viewport(self, size, mobile=False):
        """Makes the page's viewport exactly `size` CSS pixels (a phone's when `mobile`), whatever the
        window around it."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile})

    def horizontal_overflow(self):
        """How many CSS pixels the page is wider than its viewport (0: no horizontal scrolling)."""
        return self.driver.execute_script(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth")


def is_this_device(device):
    """Whether a device of /ui/sessions is marked as the one looking at the page (its first line says
    "This device"; the others offer "Sign out this device")."""
    return "This device" in (device.text.splitlines() or [""])[0]


def words(text):
    """Whether `text` is a message in words: present, a few words long, no error code in it."""
    return bool(text) and len(text.split()) >= 3 and not ERROR_CODE.search(text)


# ---------------------------------------------------------------------------------------------------
# The scenarios

class Run:
    def __init__(self, binary, workdir, screenshots):
        self.binary = binary
        self.workdir = workdir
        self.screenshots = screenshots
        self.server = None
        self.browsers = []
        self.links = {}   # kind -> a link kept unused for the later pages (axe, headers)

    def browser(self, name, **kwargs):
        browser = Browser(name, self.server, self.workdir, **kwargs)
        self.browsers.append(browser)
        return browser

    def api_signup(self, username):
        client = Client(self.server)
        reply = client.api("POST", "/v1/accounts", {"username": username, "email": f"{username}@example.com",
                                                     "password": PASSWORD})
        return reply.status_code == 201

    # 1 -------------------------------------------------------------------------------------------
    def journey(self):
        a = self.browser("first")
        self.a = a
        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "alice", "email": "alice@example.com", "password": PASSWORD})
        check("journey: sign-up lands on the account page, signed in", a.path() == "/ui/account" and "alice" in a.text(),
              f"at {a.driver.current_url}: {a.text()[:200]!r}")
        cookie = a.session_cookie()
        check("journey: the session cookie is HttpOnly", cookie is not None and cookie.get("httpOnly") is True,
              f"cookie {cookie and {k: v for k, v in cookie.items() if k != 'value'}}")

        link, file = self.server.wait_for_link("alice@example.com", "/ui/verify")
        check("journey: the verification message arrives as an .eml file with a /ui/verify link", link is not None,
              f"nothing in {self.server.mail_dir} within {MAIL_WAIT:g} s")
        if link is None:
            return
        mode = stat.S_IMODE(os.stat(file).st_mode)
        check("journey: the message file has mode 0600", mode == 0o600, f"mode {mode:o}")
        check("journey: the link points at the test server",
              link.startswith(self.server.url + "/ui/verify?token="), link.split("?")[0])

        a.go(link)
        # A GET never consumes the token: the page shows the Confirm button, even when loaded twice.
        a.go(link)
        buttons = a.driver.find_elements(By.CSS_SELECTOR, "#verify-form button, form[action='/ui/verify'] button")
        check("journey: the link opens a page with a Confirm button (a POST form), twice: a GET spends nothing",
              bool(buttons) and "confirm" in buttons[0].text.lower(), f"buttons {[b.text for b in buttons]}")
        if not buttons:
            return
        a.click_and_wait(buttons[0])
        text = a.text()
        check("journey: Confirm leads to the account page, which says the address is confirmed",
              a.path() == "/ui/account" and "alice@example.com" in text and "Not confirmed" not in text
              and "Confirmed" in text, f"{a.driver.current_url}: {text[:300]!r}")
        # The link is spent: opening it again and confirming says so in words.
        a.go(link)
        a.submit(a.form("#verify-form"))
        text = a.text()
        check("journey: a spent verification link says so in words", words(text) and "already used" in text,
              text[:300])
        a.go("/ui/account")
        a.logout()
        check("journey: Log out (POST) lands on /ui/login saying you are signed out",
              a.path() == "/ui/login" and "signed out" in a.text(), f"{a.driver.current_url}: {a.text()[:200]!r}")
        a.go("/ui/account")
        check("journey: after logging out /ui/account sends to /ui/login", a.path() == "/ui/login", a.driver.current_url)

        a.login("alice", PASSWORD)
        check("journey: logging in again lands on /ui/account", a.path() == "/ui/account", a.driver.current_url)

        b = self.browser("second")
        self.b = b
        b.login("alice", PASSWORD)
        b.go("/ui/sessions")
        devices = b.driver.find_elements(By.CSS_SELECTOR, "li.device")
        check("journey: the second browser's /ui/sessions lists two devices", len(devices) == 2,
              f"{len(devices)} devices: {b.text()[:400]!r}")
        current = [d for d in devices if is_this_device(d)]
        others = [d for d in devices if not is_this_device(d)]
        check("journey: exactly one device is marked as this device", len(current) == 1 and len(others) == 1,
              f"{[d.text for d in devices]}")
        check("journey: each device reads 'Chrome on Linux'", devices and all("Chrome on Linux" in d.text for d in devices),
              f"{[d.text.splitlines()[0] if d.text else '' for d in devices]}")
        check("journey: last active is relative ('just now' or '… ago')",
              devices and all(re.search(r"just now|\bago\b|yesterday", d.text) for d in devices),
              f"{[d.text for d in devices]}")
        check("journey: each device shows its IP address", devices and all("127.0.0.1" in d.text for d in devices),
              f"{[d.text for d in devices]}")
        check("journey: 'Sign out everywhere else' is offered", "Sign out everywhere else" in b.text(), b.text()[:400])
        if len(others) != 1:
            return
        end = others[0].find_elements(By.CSS_SELECTOR, "form button")
        check("journey: the other device has a button to end it", len(end) == 1, others[0].text)
        if not end:
            return
        b.click_and_wait(end[0])
        b.go("/ui/sessions")
        devices = b.driver.find_elements(By.CSS_SELECTOR, "li.device")
        check("journey: after ending it, one device is left (this one)",
              len(devices) == 1 and is_this_device(devices[0]), f"{[d.text for d in devices]}")
        a.go("/ui/account")
        check("journey: the first browser, reloading /ui/account, is sent to /ui/login", a.path() == "/ui/login",
              a.driver.current_url)
        b.go("/ui/account")
        check("journey: the second browser is still signed in", b.path() == "/ui/account", b.driver.current_url)

    # 2 -------------------------------------------------------------------------------------------
    def recovery(self):
        if not self.api_signup("bob"):
            check("recovery: set-up account bob created", False)
            return
        self.server.wait_for_link("bob@example.com", "/ui/verify")   # the sign-up's message, out of the way
        a = self.a
        a.go("/ui/login")
        link = a.driver.find_elements(By.CSS_SELECTOR, "a[href='/ui/recovery']")
        check("recovery: /ui/login links to /ui/recovery", bool(link))
        if not link:
            return
        a.click_and_wait(link[0])
        check("recovery: the link opens /ui/recovery", a.path() == "/ui/recovery", a.driver.current_url)
        a.submit(a.form("#recovery-form"), {"email": "bob@example.com"})
        check("recovery: submitting says a message is on its way", "on its way" in a.text() or "sent" in a.text().lower(),
              a.text()[:300])
        link, _ = self.server.wait_for_link("bob@example.com", "/ui/reset")
        check("recovery: the reset message arrives with a /ui/reset link", link is not None)
        if link is None:
            return
        a.go(link)
        a.submit(a.form("#reset-form"), {"new_password": "password1"})
        message = a.field_error("new_password")
        check("recovery: a weak new password is refused with a message next to the field, in words",
              a.driver.find_elements(By.ID, "reset-form") != [] and words(message), repr(message))
        a.submit(a.form("#reset-form"), {"new_password": NEW_PASSWORD})
        check("recovery: the new password is set; the login page says so",
              a.path() == "/ui/login" and "password is changed" in a.text(), f"{a.driver.current_url}: {a.text()[:300]!r}")
        a.go(link)
        a.submit(a.form("#reset-form"), {"new_password": "a third long passphrase"})
        text = a.text()
        check("recovery: the spent link says so in words", "already used" in text and words(text), text[:200])
        a.driver.delete_all_cookies()
        a.login("bob", PASSWORD)
        message = a.field_error("password") or a.field_error("username") or a.alert()
        check("recovery: the old password is refused", a.path() == "/ui/login", a.driver.current_url)
        check("recovery: with a message in words next to the form", words(message), repr(message))
        check("recovery: the username typed is kept in the form",
              a.driver.find_element(By.ID, "username").get_attribute("value") == "bob")
        note(f"old password: {message!r}")
        a.login("bob", NEW_PASSWORD)
        check("recovery: the new password logs in", a.path() == "/ui/account" and "bob" in a.text(),
              a.driver.current_url)
        a.logout()

    # 3 -------------------------------------------------------------------------------------------
    def csrf(self):
        a = self.a
        a.driver.delete_all_cookies()
        a.go("/ui/login")
        form = a.form("#login-form")
        a.fill(form, {"username": "bob", "password": NEW_PASSWORD})
        a.driver.execute_script("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
        a.submit(form)
        status = a.last_status()
        text = a.text()
        check("csrf: a login form without its token is refused with 403 (browser)", status == 403, f"status {status}")
        check("csrf: the refusal page says the form expired", "expired" in text, text[:300])
        a.go("/ui/account")
        check("csrf: and nobody is logged in", a.path() == "/ui/login", a.driver.current_url)

        # Signed in (the second browser, alice): the password form without its token.
        b = self.b
        b.go("/ui/account")
        if b.path() == "/ui/account":
            form = b.form("#password-form")
            b.fill(form, {"current_password": PASSWORD, "new_password": "yet another long passphrase"})
            b.driver.execute_script("document.querySelectorAll('#password-form input[name=csrf_token]').forEach(e => e.remove())")
            b.submit(form)
            status = b.last_status()
            text = b.text()
            check("csrf: signed in, the password form without its token is refused with 403 (browser)",
                  status == 403 and "expired" in text, f"status {status}, page {text[:160]!r}")
            b.go("/ui/account")
            check("csrf: signed in, still signed in after the refusal", b.path() == "/ui/account", b.driver.current_url)
        else:
            check("csrf: the second browser is signed in", False, b.driver.current_url)

        client = Client(self.server)
        fields = client.form("/ui/login", "/ui/login")
        check("csrf: the login form has a hidden csrf_token", bool(fields.get("csrf_token")), f"fields {sorted(fields)}")
        without = {k: v for k, v in fields.items() if k != "csrf_token"}
        without.update(username="bob", password=NEW_PASSWORD)
        reply = client.post("/ui/login", without)
        check("csrf: POST /ui/login without csrf_token → 403 (requests)", reply.status_code == 403,
              f"{reply.status_code}")
        check("csrf: the 403 is a page saying the form expired", "expired" in reply.text, reply.text[:200])
        check("csrf: and sets no session cookie", SESSION_COOKIE not in reply.headers.get("Set-Cookie", ""),
              reply.headers.get("Set-Cookie", ""))
        wrong = dict(without, csrf_token="A" * len(fields.get("csrf_token", "x" * 43)))
        reply = client.post("/ui/login", wrong)
        check("csrf: POST /ui/login with a wrong csrf_token → 403", reply.status_code == 403, f"{reply.status_code}")
        reply = client.post("/ui/signup", {"username": "mallory", "email": "mallory@example.com", "password": PASSWORD})
        check("csrf: POST /ui/signup without csrf_token → 403", reply.status_code == 403, f"{reply.status_code}")
        stranger = Client(self.server)   # another browser's token does not fit this browser's cookie
        reply = stranger.post("/ui/login", dict(without, csrf_token=fields.get("csrf_token", "")))
        check("csrf: a token taken to a browser without its cookie → 403", reply.status_code == 403, f"{reply.status_code}")
        # The control: the same form with its token is accepted.
        reply = client.post("/ui/login", dict(without, csrf_token=fields.get("csrf_token", "")))
        check("csrf: the same login with its token is accepted (303 to /ui/account)",
              reply.status_code == 303 and reply.headers.get("Location", "") == "/ui/account",
              f"{reply.status_code} {reply.headers.get('Location')}")
        # Signed in, a form of the account pages without its token (or with the token shown before the
        # login, which belongs to no session) is refused too, and the person stays signed in.
        if client.get("/ui/account").status_code != 200:
            check("csrf: the client is signed in after the accepted login", False)
            return
        for path, body in (("/ui/logout", {"x": "1"}),
                           ("/ui/logout", {"csrf_token": fields.get("csrf_token", "")}),
                           ("/ui/account/password", {"current_password": NEW_PASSWORD, "new_password": PASSWORD}),
                           ("/ui/sessions/end-others", {"x": "1"})):
            reply = client.post(path, body)
            how = "the pre-login csrf_token" if "csrf_token" in body else "no csrf_token"
            check(f"csrf: signed in, POST {path} with {how} → 403 'form expired'",
                  reply.status_code == 403 and "expired" in reply.text,
                  f"{reply.status_code}: {' '.join(re.sub('<[^>]+>', ' ', reply.text).split())[-120:]!r}")
        check("csrf: signed in, still signed in after the refused posts", client.get("/ui/account").status_code == 200)

    # 4 -------------------------------------------------------------------------------------------
    def return_to(self):
        a = self.a
        cases = [
            ("https://evil.example/", "/ui/account"),
            ("/ui/sessions", "/ui/sessions"),
            ("//evil.example", "/ui/account"),
            ("/\\evil.example", "/ui/account"),
            ("https:evil.example", "/ui/account"),
            ("javascript:alert(1)", "/ui/account"),
        ]
        for target, expected in cases:
            a.driver.delete_all_cookies()
            a.login("bob", NEW_PASSWORD, "/ui/login?return_to=" + urllib.parse.quote(target, safe=""))
            parts = a.url_parts()
            landed = f"{parts.scheme}://{parts.netloc}" == self.server.url and parts.path == expected
            check(f"return_to {target}: lands on {expected}", landed, a.driver.current_url)
        # A signed-out visit to a page comes back to it after the login.
        a.driver.delete_all_cookies()
        a.go("/ui/sessions")
        check("return_to: signed out, /ui/sessions sends to /ui/login?return_to=/ui/sessions",
              a.path() == "/ui/login" and urllib.parse.parse_qs(a.url_parts().query).get("return_to") == ["/ui/sessions"],
              a.driver.current_url)
        a.submit(a.form("#login-form"), {"username": "bob", "password": NEW_PASSWORD})
        check("return_to: and the login comes back to /ui/sessions", a.path() == "/ui/sessions", a.driver.current_url)
        a.driver.delete_all_cookies()
        # An origin allowed with --ui-return-origin is followed (checked without following it: it is not
        # loopback); look-alikes of it are not.
        for target, allowed in ((RETURN_ORIGIN + "/welcome?x=1", True),
                                ("https://app.example.test.evil.example/", False),
                                ("http://app.example.test/welcome", False),
                                ("https://user@app.example.test/", False)):
            client = Client(self.server)
            fields = client.form("/ui/login?return_to=" + urllib.parse.quote(target, safe=""), "/ui/login")
            fields.update(username="bob", password=NEW_PASSWORD)
            reply = client.post("/ui/login", fields)
            location = reply.headers.get("Location", "")
            expected = target if allowed else "/ui/account"
            check(f"return_to {target}: {'followed (--ui-return-origin)' if allowed else 'ignored'}",
                  reply.status_code == 303 and location == expected, f"{reply.status_code} Location {location!r}")
        # A foreign return_to posted directly (not from the page) is not followed either.
        client = Client(self.server)
        fields = client.form("/ui/login?return_to=" + urllib.parse.quote("https://evil.example/x"), "/ui/login")
        fields.update(username="bob", password=NEW_PASSWORD)
        fields["return_to"] = "https://evil.example/x"   # even when posted directly
        reply = client.post("/ui/login", fields)
        location = reply.headers.get("Location", "")
        check("return_to: a posted foreign return_to is not a redirect target",
              reply.status_code in (302, 303) and "evil" not in location, f"{reply.status_code} {location}")

    # 5 -------------------------------------------------------------------------------------------
    def field_errors(self):
        a = self.a
        a.driver.delete_all_cookies()
        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "carol", "email": "carol@example.com", "password": "password1"})
        message = a.field_error("password")
        check("errors: a weak password is refused (still on the sign-up form)",
              a.driver.find_elements(By.ID, "signup-form") != [],
              a.driver.current_url)
        check("errors: the weak password has a message next to the password field, in words", words(message),
              repr(message))
        check("errors: no error code in the page", not re.search(r"WeakPassword|InvalidRequest|UsernameTaken", a.text()),
              a.text()[:300])
        field = a.driver.find_element(By.ID, "password")
        check("errors: the password field is marked aria-invalid", field.get_attribute("aria-invalid") == "true")
        check("errors: the typed username is kept, the password is not",
              a.driver.find_element(By.ID, "username").get_attribute("value") == "carol" and field.get_attribute("value") == "")
        note(f"weak password: {message!r}")

        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "alice", "email": "alice2@example.com", "password": PASSWORD})
        message = a.field_error("username")
        check("errors: a taken username has a message next to the username field, in words", words(message),
              f"{message!r}; alert {a.alert()!r}")
        note(f"taken username: {message!r}")

        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "alice2", "email": "alice@example.com", "password": PASSWORD})
        message = a.field_error("email")
        check("errors: an e-mail address with an account has a message next to the e-mail field", words(message),
              f"{message!r}; alert {a.alert()!r}")

        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "dave", "email": "not-an-address", "password": PASSWORD})
        message = a.field_error("email")
        check("errors: an e-mail address without @ has a message next to the e-mail field", words(message),
              f"{message!r}; alert {a.alert()!r}")

        # What was typed comes back as text, never as markup.
        typed = 'x"><b id="injected">y</b>'
        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "erin_x", "email": typed, "password": PASSWORD})
        check("errors: a typed value is shown back escaped (no markup from it)",
              not a.driver.find_elements(By.ID, "injected")
              and a.driver.find_element(By.ID, "email").get_attribute("value") == typed,
              repr(a.driver.find_element(By.ID, "email").get_attribute("value")))

    # 6 -------------------------------------------------------------------------------------------
    def headers(self):
        anonymous = Client(self.server)
        client = Client(self.server)
        if not self.api_signup("erin"):
            check("headers: set-up account erin created", False)
            return
        verify, _ = self.server.wait_for_link("erin@example.com", "/ui/verify")
        client.api("POST", "/v1/recovery", {"email": "erin@example.com"})
        reset, _ = self.server.wait_for_link("erin@example.com", "/ui/reset")
        self.links = {"verify": verify, "reset": reset}
        pages = ["/ui/signup", "/ui/login", "/ui/recovery"]
        token_pages = [urllib.parse.urlsplit(link) for link in (verify, reset) if link]
        token_pages = [p.path + "?" + p.query for p in token_pages]
        reply = client.login("erin", PASSWORD)
        check("headers: erin logs in with requests", reply.status_code in (302, 303), f"{reply.status_code}")
        set_cookie = reply.raw.headers.getlist("Set-Cookie")   # each header on its own
        session = [c for c in set_cookie if c.startswith(SESSION_COOKIE + "=")]
        check("headers: the login sets the session cookie HttpOnly",
              bool(session) and all("httponly" in c.lower() for c in session), f"{session}")
        check("headers: the session cookie is SameSite and Secure",
              bool(session) and all("samesite" in c.lower() and "secure" in c.lower() for c in session), f"{session}")
        for path in pages + token_pages + ["/ui/account", "/ui/sessions", "/ui/logout"]:
            reply = (anonymous if path in pages else client).get(path)
            name = path.split("?")[0] + ("?token=…" if "token=" in path else "")
            csp = reply.headers.get("Content-Security-Policy", "")
            directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
            script = directives.get("script-src") or directives.get("default-src", "")
            problems = []
            if reply.status_code != 200:
                problems.append(f"status {reply.status_code}")
            if not csp:
                problems.append("no Content-Security-Policy")
            if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
                problems.append(f"script policy {script!r}")
            if "frame-ancestors 'none'" not in csp and reply.headers.get("X-Frame-Options", "").upper() != "DENY":
                problems.append("framing allowed")
            if "token=" in path and reply.headers.get("Referrer-Policy", "").lower() != "no-referrer":
                problems.append(f"Referrer-Policy {reply.headers.get('Referrer-Policy')!r}")
            if JWT.search(reply.text):
                problems.append("an auth token in the page")
            if "no-store" not in reply.headers.get("Cache-Control", "") and path in ("/ui/account", "/ui/sessions"):
                problems.append(f"Cache-Control {reply.headers.get('Cache-Control')!r}")
            check(f"headers: {name}", not problems, "; ".join(problems))
        note("Content-Security-Policy: " + anonymous.get("/ui/login").headers.get("Content-Security-Policy", ""))
        # The stylesheet is served from the same origin (the CSP allows it), and an inline script would not run.
        reply = client.get("/ui/assets/gatehouse.css")
        check("headers: the stylesheet is served as text/css", reply.status_code == 200 and
              reply.headers.get("Content-Type", "").startswith("text/css"),
              f"{reply.status_code} {reply.headers.get('Content-Type')}")
        # The verify and reset GETs above consumed nothing: their links still open a form.
        for link, form in ((verify, "verify-form"), (reset, "reset-form")):
            if link:
                page = client.get(urllib.parse.urlsplit(link).path + "?" + urllib.parse.urlsplit(link).query)
                check(f"headers: a GET of {urllib.parse.urlsplit(link).path} left its token unused (form still there)",
                      f'id="{form}"' in page.text)

    # 7 -------------------------------------------------------------------------------------------
    def get_logout(self):
        b = self.b
        b.go("/ui/account")
        if b.path() != "/ui/account":
            b.login("alice", PASSWORD)
        b.go("/ui/logout")
        check("logout: GET /ui/logout shows a page with a POST button", bool(b.driver.find_elements(By.CSS_SELECTOR,
              "#logout-form[method=post], form[action='/ui/logout'][method=post]")), b.text()[:200])
        b.go("/ui/account")
        check("logout: GET /ui/logout does not log out", b.path() == "/ui/account", b.driver.current_url)
        b.go("/ui/logout?csrf_token=anything")
        b.go("/ui/account")
        check("logout: nor does GET /ui/logout?csrf_token=…", b.path() == "/ui/account", b.driver.current_url)

    # 8 -------------------------------------------------------------------------------------------
    def no_javascript(self):
        c = self.browser("nojs", javascript=False)
        c.go("data:text/html,<title>off</title><script>document.title='on'</script>")
        check("no JavaScript: scripts really are off in the third profile", c.driver.title == "off", c.driver.title)
        c.login("bob", NEW_PASSWORD)
        check("no JavaScript: logging in reaches /ui/account", c.path() == "/ui/account" and "bob" in c.text(),
              c.driver.current_url)
        c.go("/ui/sessions")
        check("no JavaScript: /ui/sessions shows the devices", "This device" in c.text(), c.text()[:200])
        c.logout()
        c.go("/ui/account")
        check("no JavaScript: Log out works", c.path() == "/ui/login", c.driver.current_url)
        c.quit()
        self.browsers.remove(c)

    # 9 -------------------------------------------------------------------------------------------
    def accessibility(self):
        b = self.b
        b.go("/ui/account")
        if b.path() != "/ui/account":
            b.login("alice", PASSWORD)
        d = self.browser("anonymous")
        pages = [(d, "/ui/signup"), (d, "/ui/login"), (d, "/ui/recovery")]
        if self.links.get("reset"):
            pages.append((d, self.links["reset"]))
        if self.links.get("verify"):
            pages.append((d, self.links["verify"]))
        pages += [(b, "/ui/account"), (b, "/ui/sessions"), (b, "/ui/logout")]
        for browser, path in pages:
            browser.go(path)
            name = urllib.parse.urlsplit(browser.driver.current_url).path + ("?token=…" if "token=" in path else "")
            try:
                axe = Axe(browser.driver)
                axe.inject()
                results = axe.run()
            except WebDriverException as error:
                check(f"axe: {name}", False, f"axe did not run: {error.msg}")
                continue
            bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
            others = [v for v in results["violations"] if v not in bad]
            detail = "; ".join(f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}" for v in bad)
            check(f"axe: {name} has no serious or critical violation ({len(results['passes'])} rules pass)", not bad, detail)
            if others:
                note(f"{name}: minor violations {', '.join(v['id'] + ' (' + str(v['impact']) + ')' for v in others)}")
        # The error state of a form, too.
        d.go("/ui/signup")
        d.submit(d.form("#signup-form"), {"username": "x", "email": "nope", "password": "password1"})
        axe = Axe(d.driver)
        axe.inject()
        results = axe.run()
        bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        check("axe: /ui/signup showing field errors has no serious or critical violation", not bad,
              "; ".join(v["id"] for v in bad))

    # 10 ------------------------------------------------------------------------------------------
    def keyboard(self):
        d = next(b for b in self.browsers if b.name == "anonymous")
        d.driver.delete_all_cookies()
        d.go("/ui/login")
        order = []
        for _ in range(15):
            ActionChains(d.driver).send_keys(Keys.TAB).perform()
            active = d.driver.switch_to.active_element
            tag = active.tag_name
            label = active.get_attribute("name") or active.get_attribute("href") or active.text
            order.append(f"{tag}:{label}")
            if tag == "button" and active.get_attribute("type") == "submit" and "login-form" in (
                    active.find_element(By.XPATH, "ancestor::form").get_attribute("id") or ""):
                break
        names = [o for o in order if o in ("input:username", "input:password") or o.startswith("button:")]
        check("keyboard: Tab reaches username, password, then the Log in button, in that order",
              names[:3] == ["input:username", "input:password", "button:Log in"] or
              (names[:2] == ["input:username", "input:password"] and names[2:3] and names[2].startswith("button:")),
              " → ".join(order))
        note("Tab order on /ui/login: " + " → ".join(order))
        unlabelled = d.driver.execute_script("""
            return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
              .map(e => e.name || e.id)""")
        for path in ("/ui/signup", "/ui/recovery"):
            d.go(path)
            unlabelled += d.driver.execute_script("""
                return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
                  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                  .map(e => location.pathname + ':' + (e.name || e.id))""")
        b = self.b
        for path in ("/ui/account", "/ui/sessions"):
            b.go(path)
            unlabelled += b.driver.execute_script("""
                return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
                  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                  .map(e => location.pathname + ':' + (e.name || e.id))""")
        check("keyboard: every visible input has a label", not unlabelled, f"{unlabelled}")
        # Enter in the password field submits the form.
        d.go("/ui/login")
        d.fill(d.form("#login-form"), {"username": "bob", "password": NEW_PASSWORD})
        page = d.driver.find_element(By.TAG_NAME, "html")
        d.driver.find_element(By.ID, "password").send_keys(Keys.ENTER)
        d.wait_for_next_page(page)
        check("keyboard: Enter in the password field logs in", d.path() == "/ui/account", d.driver.current_url)

    # 13 ------------------------------------------------------------------------------------------
    def account_forms(self):
        """The forms of /ui/account: errors next to their fields; a new password ends the other devices;
        a new address confirmed from its message; deletion."""
        a = self.a
        a.driver.delete_all_cookies()
        a.go("/ui/signup")
        a.submit(a.form("#signup-form"), {"username": "frank", "email": "frank@example.com", "password": PASSWORD})
        self.server.wait_for_link("frank@example.com", "/ui/verify")
        other = Client(self.server)
        other.login("frank", PASSWORD)
        check("account: a second device (requests) is signed in", other.get("/ui/account").status_code == 200)

        a.go("/ui/account")
        a.submit(a.form("#password-form"), {"current_password": "not my password", "new_password": NEW_PASSWORD})
        message = a.field_error("current_password")
        check("account: a wrong current password: a message next to it, in words", words(message), repr(message))
        a.submit(a.form("#password-form"), {"current_password": PASSWORD, "new_password": "password1"})
        message = a.field_error("new_password")
        check("account: a weak new password: a message next to it, in words", words(message), repr(message))
        a.submit(a.form("#password-form"), {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        check("account: the password is changed, this device stays signed in",
              a.path() == "/ui/account" and "password is changed" in a.text(), f"{a.driver.current_url}: {a.alert()!r}")
        reply = other.get("/ui/account")
        check("account: the other device is signed out by the new password",
              reply.status_code == 303 and reply.headers.get("Location", "").startswith("/ui/login"),
              f"{reply.status_code} {reply.headers.get('Location')}")

        a.submit(a.form("#email-form"), {"email": "frank.new@example.com", "password": "not my password"})
        message = a.field_error("email-password")
        check("account: changing the e-mail with a wrong password: a message next to the password", words(message),
              f"{message!r}; alert {a.alert()!r}")
        check("account: the new address typed is kept", a.driver.find_element(By.CSS_SELECTOR, "#email-form input[name=email]")
              .get_attribute("value") == "frank.new@example.com")
        a.submit(a.form("#email-form"), {"email": "frank.new@example.com", "password": NEW_PASSWORD})
        check("account: changing the e-mail says a link was sent", "sent a link" in a.text(), a.text()[:200])
        link, _ = self.server.wait_for_link("frank.new@example.com", "/ui/verify")
        check("account: the new address gets a message with a /ui/verify link", link is not None)
        if link:
            a.go(link)
            a.submit(a.form("#verify-form"))
            a.go("/ui/account")
            check("account: once confirmed, the account shows the new address",
                  "frank.new@example.com" in a.text() and "frank@example.com" not in a.text(), a.text()[:300])

        a.go("/ui/account")
        a.submit(a.form("#delete-form"), {"password": "not my password"})
        message = a.field_error("delete_password")
        check("account: deleting with a wrong password: a message next to it, in words", words(message),
              f"{message!r}; alert {a.alert()!r}")
        check("account: and the account is still there", "frank" in a.text() and a.driver.find_elements(By.ID, "delete-form"),
              f"{a.driver.current_url}: {a.text()[:200]!r}")
        a.submit(a.form("#delete-form"), {"password": NEW_PASSWORD})
        check("account: deleting lands on /ui/signup saying so", a.path() == "/ui/signup" and "deleted" in a.text(),
              f"{a.driver.current_url}: {a.text()[:200]!r}")
        a.login("frank", NEW_PASSWORD)
        check("account: the deleted account cannot log in", a.path() == "/ui/login" and words(a.alert()), f"{a.alert()!r}")

    # 11 ------------------------------------------------------------------------------------------
    def no_ui(self):
        server = Server(self.binary, self.workdir, "no-ui", "--no-ui")
        try:
            for path in ("/ui/login", "/ui/signup", "/ui/account", "/ui/assets/gatehouse.css"):
                status = requests.get(server.url + path, timeout=10, allow_redirects=False).status_code
                check(f"--no-ui: GET {path} → 404", status == 404, f"{status}")
            status = requests.post(server.url + "/ui/login", data={"username": "x", "password": "y"}, timeout=10,
                                   allow_redirects=False).status_code
            check("--no-ui: POST /ui/login → 404", status == 404, f"{status}")
            check("--no-ui: the API still answers", requests.get(server.url + "/health", timeout=10).status_code == 200)
        finally:
            server.stop()

    # 12 ------------------------------------------------------------------------------------------
    def layout_and_screenshots(self):
        os.makedirs(self.screenshots, exist_ok=True)
        d = next(x for x in self.browsers if x.name == "anonymous")
        d.driver.delete_all_cookies()
        d.viewport(SIZE)
        d.go("/ui/login")
        path = os.path.join(self.screenshots, "ui-login.png")
        check("screenshot: /ui/login at 1280x900", d.driver.save_screenshot(path) and os.path.getsize(path) > 0, path)

        # Two devices signed in as alice: the second browser signs out everywhere else, the first logs in
        # again, and the second shows the page.
        a, b = self.a, self.b
        b.go("/ui/account")
        if b.path() != "/ui/account":
            b.login("alice", PASSWORD)
        b.go("/ui/sessions")
        if b.driver.find_elements(By.ID, "end-others-form"):
            b.submit(b.form("#end-others-form"))
            check("sessions: 'Sign out everywhere else' leaves this device alone",
                  len(b.driver.find_elements(By.CSS_SELECTOR, "li.device")) == 1 and "signed out" in b.text(),
                  b.text()[:300])
        a.driver.delete_all_cookies()
        a.login("alice", PASSWORD)
        b.viewport(SIZE)
        b.go("/ui/sessions")
        devices = b.driver.find_elements(By.CSS_SELECTOR, "li.device")
        check("screenshot: /ui/sessions shows two devices", len(devices) == 2, f"{len(devices)}")
        path = os.path.join(self.screenshots, "ui-sessions.png")
        check("screenshot: /ui/sessions at 1280x900", b.driver.save_screenshot(path) and os.path.getsize(path) > 0, path)
        note(f"screenshots in {self.screenshots}")

        for browser, pages in ((d, ["/ui/login", "/ui/signup", "/ui/recovery"]), (b, ["/ui/account", "/ui/sessions"])):
            browser.viewport(PHONE, mobile=True)
            for page in pages:
                browser.go(page)
                overflow = browser.horizontal_overflow()
                width = browser.driver.execute_script("return window.innerWidth")
                check(f"phone width {PHONE[0]}px: {page} has no horizontal scroll", overflow <= 0 and width == PHONE[0],
                      f"{overflow} px wider than the {width} px viewport")
                if page == "/ui/sessions" and GATEHOUSE_UI_KEEP:
                    browser.driver.save_screenshot(os.path.join(self.workdir, "phone-sessions.png"))
            browser.viewport(SIZE)

    def no_tokens_in_pages(self):
        """No auth token in the source of any signed-in page (the cookie is HttpOnly; pages never repeat it)."""
        b = self.b
        leaks = []
        for path in ("/ui/account", "/ui/sessions", "/ui/logout"):
            b.go(path)
            cookie = b.session_cookie()
            source = b.source()
            if (cookie and cookie["value"] in source) or JWT.search(source):
                leaks.append(path)
        check("headers: no auth token in the source of the signed-in pages", not leaks, f"{leaks}")
        check("headers: document.cookie does not show the session cookie",
              SESSION_COOKIE not in (b.driver.execute_script("return document.cookie") or ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", help="where to write ui-login.png and ui-sessions.png (default: a temporary folder)")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout) still quits the browsers and stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} is missing: apt-get install -y chromium chromium-driver")
    binary = os.environ.get("GATEHOUSE_UI_BINARY") or os.path.join(ROOT, ".build", "debug", "gatehouse")
    if not os.environ.get("GATEHOUSE_UI_BINARY") and not os.path.exists(binary):
        subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
    binary = os.path.abspath(binary)
    workdir = tempfile.mkdtemp(prefix="gatehouse-ui.")
    # The screenshots are kept (a temporary folder of their own by default, never the repository).
    screenshots = os.path.abspath(args.screenshots) if args.screenshots else tempfile.mkdtemp(prefix="gatehouse-ui-screenshots.")
    began = time.monotonic()
    print(f"ui browser test: {binary}; files in {workdir}")
    run = Run(binary, workdir, screenshots)
    scenarios = [run.journey, run.recovery, run.csrf, run.return_to, run.field_errors, run.headers, run.get_logout,
                 run.no_javascript, run.accessibility, run.keyboard, run.no_ui, run.layout_and_screenshots,
                 run.no_tokens_in_pages, run.account_forms]
    try:
        run.server = Server(binary, workdir, "server", "--ui-return-origin", RETURN_ORIGIN)
        for scenario in scenarios:
            try:
                scenario()
            except (WebDriverException, TimeoutException, requests.RequestException, AttributeError) as error:
                message = getattr(error, "msg", None) or str(error)
                where = [f"line {frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)
                         if frame.filename == os.path.abspath(__file__)]
                check(f"{scenario.__name__}: ran to the end", False,
                      f"{type(error).__name__} at {', '.join(where[-2:])}: {message.splitlines()[0] if message else ''}")
    finally:
        for browser in run.browsers:
            browser.quit()
        if run.server is not None:
            run.server.stop()
            if FAILED:
                print("server log (tail):\n" + run.server.log_tail())
        if not GATEHOUSE_UI_KEEP and not FAILED:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"ui browser: {len(PASSED)} passed, {len(FAILED)} failed ({time.monotonic() - began:.1f} s)")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
