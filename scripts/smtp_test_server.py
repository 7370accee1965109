#!/usr/bin/env python3
"""A real SMTP server for Gatehouse's mail tests, built on aiosmtpd.

It listens on 127.0.0.1 only, on the given port or on one the system picks, and prints the port as the
first line on standard output once it accepts connections. It stops on SIGTERM or SIGINT, when its
standard input ends (with --stop-on-eof, so a test that dies takes it along), or after --lifetime
seconds.

Options:
  --port N               the port (0, the default: any free port)
  --starttls CERT KEY    offer STARTTLS with this certificate chain and key, and require it before
                         MAIL, RCPT, DATA and AUTH
  --tls CERT KEY         TLS from the first byte (SMTPS) instead
  --auth USER:PASS       require AUTH (PLAIN and LOGIN) with these credentials before MAIL
  --auth-mechanisms M,M  offer only these AUTH mechanisms (of PLAIN and LOGIN)
  --fail-first N         answer the first N messages with 451 4.3.0, then accept
  --fail-at STAGE        where --fail-first answers 451: "data" (after the message, the default)
                         or "rcpt"
  --reject               answer 550 5.1.1 to every RCPT
  --maildir DIR          write each accepted message's raw DATA bytes, un-stuffed, to DIR/<n>.eml
  --lifetime SECONDS     stop after this many seconds (0, the default: never)
  --stop-on-eof          stop when standard input ends
  --quiet                log nothing
"""

import argparse
import asyncio
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MECHANISMS = ("PLAIN", "LOGIN")


class Handler:
    """Accepts, delays or refuses messages as the options say, and keeps the accepted ones."""

    def __init__(self, options):
        self.failures_left = options.fail_first
        self.fail_at = options.fail_at
        self.reject = options.reject
        self.maildir = options.maildir
        self.delivered = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "550 5.1.1 mailbox unavailable"
        if self.fail_at == "rcpt" and self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_at == "data" and self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 try again later"
        self.delivered += 1
        if self.maildir:
            final = os.path.join(self.maildir, f"{self.delivered}.eml")
            partial = os.path.join(self.maildir, f".{self.delivered}.eml.partial")
            with open(partial, "wb") as file:
                file.write(envelope.original_content)
            os.replace(partial, final)
        return "250 2.0.0 OK: queued"


class Authenticator:
    """Accepts exactly one user name and password."""

    def __init__(self, credentials):
        username, _, password = credentials.partition(":")
        self.username = username.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        accepted = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.username
            and auth_data.password == self.password
        )
        return AuthResult(success=accepted, handled=False)


def tls_context(certificate, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context


def parse_options(arguments):
    parser = argparse.ArgumentParser(description="SMTP server for Gatehouse's mail tests")
    parser.add_argument("--port", type=int, default=0)
    security = parser.add_mutually_exclusive_group()
    security.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    security.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--auth-mechanisms", default=",".join(MECHANISMS))
    parser.add_argument("--fail-first", type=int, default=0, metavar="N")
    parser.add_argument("--fail-at", choices=("data", "rcpt"), default="data")
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("--maildir", metavar="DIR")
    parser.add_argument("--lifetime", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--stop-on-eof", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    options = parser.parse_args(arguments)
    if options.auth is not None and ":" not in options.auth:
        parser.error("--auth takes USER:PASS")
    offered = {name.strip().upper() for name in options.auth_mechanisms.split(",") if name.strip()}
    if not offered or not offered <= set(MECHANISMS):
        parser.error("--auth-mechanisms takes PLAIN, LOGIN or both")
    options.excluded_mechanisms = [name for name in MECHANISMS if name not in offered]
    if options.maildir:
        os.makedirs(options.maildir, exist_ok=True)
    return options


async def serve(options):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    if options.stop_on_eof:
        def wait_for_eof():
            while sys.stdin.buffer.read(4096):
                pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=wait_for_eof, daemon=True).start()
    if options.lifetime > 0:
        loop.call_later(options.lifetime, stop.set)

    handler = Handler(options)
    starttls = tls_context(*options.starttls) if options.starttls else None
    implicit = tls_context(*options.tls) if options.tls else None
    authenticator = Authenticator(options.auth) if options.auth else None

    def make_session():
        return SMTP(
            handler,
            hostname="localhost",
            tls_context=starttls,
            require_starttls=starttls is not None,
            auth_required=authenticator is not None,
            # Without STARTTLS the tests authenticate in the clear, on loopback.
            auth_require_tls=starttls is not None,
            authenticator=authenticator,
            auth_exclude_mechanism=options.excluded_mechanisms,
            timeout=60,
        )

    server = await loop.create_server(make_session, host="127.0.0.1", port=options.port, ssl=implicit)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await stop.wait()
    # Sessions still open are dropped with the loop: a stop never waits for a client.
    server.close()


def main(arguments):
    options = parse_options(arguments)
    warnings.simplefilter("ignore")
    logging.basicConfig(
        level=logging.CRITICAL if options.quiet else logging.INFO,
        stream=sys.stderr,
        format="smtp_test_server: %(message)s",
    )
    asyncio.run(serve(options))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
