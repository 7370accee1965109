#!/usr/bin/env python3
"""The access tokens of `gatehouse serve` (POST /v1/token, GET /.well-known/jwks.json) checked the way
another service would check them: with PyJWT and cryptography, knowing nothing but the JWKS fetched over
HTTP. Real sockets, real `gatehouse serve` processes, each on a fresh SQLite file in a temporary folder.

Covered, each a named check:
 1. a token for the audience "billing" verifies (EdDSA only, that audience, the issuer); its header is
    {"alg":"EdDSA","typ":"JWT","kid"} with a kid the JWKS lists, its claims are exactly iss, sub (the
    account id), sid (the session id), aud, iat, exp (iat + the lifetime, and the answer's expiresAt),
    jti (fresh each time); the answer is 200 with Cache-Control: no-store;
 2. the token is refused for another audience; a token asked for without an audience (no body, or {})
    is for the issuer; `--issuer` shows up as iss, and without it the issuer is the server's own URL;
 3. forgeries: a payload changed after signing, a token re-signed with HS256 keyed with the JWKS `x`,
    and `alg: none` are refused by PyJWT held to EdDSA; a session token does not pass for an access
    token; the server refuses access tokens, genuine or forged, where it wants a session token (401
    TokenVerificationFailed);
 4. the JWKS: OKP/Ed25519/EdDSA/sig keys, Cache-Control: public, max-age=60, an ETag, 304 for
    If-None-Match with that ETag (alone or in a list), 200 for another, a new ETag once the keys change;
 5. 400 InvalidRequest for a malformed audience (empty, 257 characters, a space, a control character)
    while 256 characters are fine; 401 Unauthorized without a session (TokenVerificationFailed with a
    made-up token); 415 for a text/plain body; a session held in the `__Host-gatehouse` cookie (Secure,
    HttpOnly) gets a token with X-Gatehouse-CSRF or its own Origin, and 403 CSRFRejected without either
    or with a foreign Origin; `--access-token-lifetime` outside 1s..1h (as a flag or
    GATEHOUSE_ACCESS_TOKEN_LIFETIME) stops the server at start;
 6. key rotation with --key-refresh-interval 1s and --access-token-lifetime 3s: `gatehouse keys rotate`
    publishes the new key before any token is signed with it, tokens switch to it after the activation
    delay (two intervals) and not before, the signing key cannot be retired, `gatehouse keys retire` of
    the old key keeps the session working, the old key stays in the JWKS until every token it signed
    has expired and then leaves it, and from then on a token of the old key is refused for its unknown
    kid (expiry not checked, so the refusal is the key's) while one of the new key verifies;
 7. no server log line holds an access token or a session token (nor the signature part of one).

Knobs (environment): GATEHOUSE_ACCESS_BINARY (the `gatehouse` to run; .build/debug/gatehouse, built when
missing), GATEHOUSE_ACCESS_KEEP (set: keep the work folder with the server logs).

Needs the pip packages pyjwt and cryptography. Loopback only; every wait is bounded; only the processes
this script started are stopped, by their id.
"""
import base64
import calendar
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

try:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    raise SystemExit("access token test: needs PyJWT and cryptography: python3 -m pip install pyjwt cryptography")

import testkit
from testkit import check, free_port, json_request, note, run, server_environment, stop, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(os.environ["GATEHOUSE_ACCESS_BINARY"]) if os.environ.get("GATEHOUSE_ACCESS_BINARY") \
    else os.path.join(ROOT, ".build", "debug", "gatehouse")
KEEP = bool(os.environ.get("GATEHOUSE_ACCESS_KEEP"))
WORKDIR = tempfile.mkdtemp(prefix="gatehouse-access.")

PASSWORD = "correct horse battery staple"
# Session tokens are bound to the client's user agent: every request of this script sends this one.
USER_AGENT = "access-token-test"
ISSUER = "https://auth.example.test"
COOKIE = "__Host-gatehouse"
DEFAULT_LIFETIME = 300
SHORT_LIFETIME = 3
ACTIVATION_DELAY = 2.0  # two --key-refresh-interval of 1 s: a rotated key signs no sooner
LIMITS = ["--signup-limit", "10000/1h", "--login-address-limit", "10000/15m", "--login-limit", "1000/15m"]
START_WAIT = 60.0
PUBLISH_WAIT = 10.0     # a rotated key must be in the JWKS this soon (the server reads the keys every second)
SWITCH_WAIT = 15.0      # and sign this soon (an activation delay of two intervals, plus a read)
UNPUBLISH_WAIT = 30.0   # a retired key must leave the JWKS this soon (2 x 2 s + 3 s after its successor)

SEEN_TOKENS = set()     # every session and access token this run saw or made: none may be in a log
PROCESSES = []          # every process this script started


# MARK: - HTTP

class Reply(testkit.Reply):
    """testkit's Reply, recording the tokens it carries in SEEN_TOKENS."""

    def __init__(self, status, headers, raw):
        super().__init__(status, headers, raw)
        for value in [self.header("Auth-Token"), self.field("authToken"), self.field("accessToken"), cookie_value(self)]:
            if value:
                SEEN_TOKENS.add(value)


def call(port, method, path, body=None, token=None):
    """A JSON request, through testkit."""
    return Reply(*json_request(port, method, path, body=body, token=token, user_agent=USER_AGENT))


def raw_call(port, method, path, data=None, headers=None):
    """A request with headers of the caller's choosing (cookies, CSRF, Origin, content types), for what
    testkit's JSON requests cannot say."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=data, headers={"User-Agent": USER_AGENT, "Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def cookie_value(reply):
    """The session cookie a reply sets, or None."""
    for value in reply.headers_named("Set-Cookie"):
        name, _, rest = value.partition("=")
        if name.strip() == COOKIE:
            return rest.split(";", 1)[0] or None
    return None


class Session:
    """A logged-in client with a bearer token, keeping the token every answer renews."""

    def __init__(self, port, login):
        self.port = port
        self.token = login.field("authToken")
        self.id = login.json["session"]["id"]
        self.account_id = login.json["account"]["accountId"]

    def call(self, method, path, body=None):
        reply = call(self.port, method, path, body, self.token)
        self.token = reply.header("Auth-Token") or self.token
        return reply

    def raw(self, method, path, data=None, headers=None):
        reply = raw_call(self.port, method, path, data, {"Authorization": f"Bearer {self.token}", **(headers or {})})
        self.token = reply.header("Auth-Token") or self.token
        return reply

    def access_token(self, audience=None):
        """(reply, token or None) of POST /v1/token, for `audience` or without a body."""
        reply = self.call("POST", "/v1/token", {"audience": audience}) if audience is not None else self.raw("POST", "/v1/token")
        return reply, (reply.field("accessToken") if reply.status == 200 else None)


def sign_up_and_log_in(port, username):
    reply = call(port, "POST", "/v1/accounts", {"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    if reply.status != 201:
        raise RuntimeError(f"sign-up of {username} failed: {reply}")
    login = call(port, "POST", "/v1/login", {"username": username, "password": PASSWORD})
    if login.status != 200 or not login.field("authToken"):
        raise RuntimeError(f"login of {username} failed: {login}")
    return Session(port, login)


# MARK: - JWT

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token):
    """(header, claims, signature) of a compact JWT, undecoded."""
    header, claims, signature = token.split(".")
    return header, claims, signature


def unverified(token):
    """(header, claims) as they are written, nothing checked."""
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def audience_of(token):
    """The aud a token claims, unchecked; None without a token."""
    return unverified(token)[1].get("aud") if token else None


def jwks_client(server):
    """A client that fetches the JWKS afresh: its set cache would hide what the server publishes now."""
    return jwt.PyJWKClient(server.url + "/.well-known/jwks.json", cache_jwk_set=False, headers={"User-Agent": USER_AGENT})


def verify(server, token, **options):
    """The claims of `token` once PyJWT has checked it against the server's JWKS as it is now, held to
    EdDSA; raises what PyJWT raises."""
    key = jwks_client(server).get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["EdDSA"], **options)


def refused(action, *errors):
    """The exception `action` raised if it is one of `errors`, else None (and None when it succeeded)."""
    try:
        action()
    except errors as error:
        return error
    return None


def utc_seconds(iso):
    """Unix seconds of an ISO-8601 UTC date such as 2026-12-01T04:06:21Z."""
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


# MARK: - Processes

class Server:
    """One `gatehouse serve` on a free loopback port, on a SQLite file of its own, its standard output and
    error in a log file."""

    def __init__(self, name, *flags):
        self.name = name
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = os.path.join(self.dir, "gatehouse.sqlite")
        self.log_path = os.path.join(self.dir, "server.log")
        arguments = [BINARY, "serve", "--port", str(self.port), "--database", self.database, "--log-level", "debug",
                     *LIMITS, *flags]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(arguments, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=server_environment())
        PROCESSES.append(self.process)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if call(self.port, "GET", "/health").status == 200:
                    self.ready = time.monotonic()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server {name} did not start (exit code {self.process.poll()}): {self.log_tail()}")

    def stop(self):
        """SIGTERM, then SIGKILL if it is still running 15 s later."""
        stop(self.process)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=20):
        return "\n".join(self.log().splitlines()[-lines:])

    def keys(self, *arguments):
        """`gatehouse keys ARGUMENTS --database` of this server's database: (exit code, output)."""
        result = subprocess.run([BINARY, "keys", *arguments, "--database", self.database], cwd=self.dir,
                                capture_output=True, text=True, timeout=60, env=server_environment())
        return result.returncode, result.stdout + result.stderr

    def jwks(self):
        return raw_call(self.port, "GET", "/.well-known/jwks.json")

    def published(self):
        """The kids the JWKS lists now, in its order; None when it does not answer 200 with keys."""
        reply = self.jwks()
        keys = reply.field("keys")
        return [key.get("kid") for key in keys] if reply.status == 200 and isinstance(keys, list) else None


# MARK: - Scenarios

def scenario_claims(server):
    """1 and 2: a token for an audience, its header and claims; the audience and issuer enforced."""
    session = sign_up_and_log_in(server.port, "claims1")
    reply, token = session.access_token("billing")
    check("token: POST /v1/token with {\"audience\":\"billing\"} answers 200 with accessToken and expiresAt",
          token is not None and isinstance(reply.field("expiresAt"), str), reply)
    if token is None:
        return
    check("token: the answer is Cache-Control: no-store", reply.header("Cache-Control") == "no-store", reply.header("Cache-Control"))
    check("token: the answer renews the session token, like every authenticated answer", bool(reply.header("Auth-Token")))
    header, _ = unverified(token)
    published = server.published() or []
    check("token: the header is exactly {alg: EdDSA, typ: JWT, kid}",
          header.get("alg") == "EdDSA" and header.get("typ") == "JWT" and set(header) == {"alg", "typ", "kid"}, header)
    check("token: the header's kid is in the JWKS", header.get("kid") in published, f"{header.get('kid')} not in {published}")
    error = None
    try:
        claims = verify(server, token, audience="billing", issuer=ISSUER)
    except jwt.PyJWTError as failure:
        claims, error = None, failure
    check("token: PyJWT verifies it with the JWKS (EdDSA, audience billing, the --issuer)", claims is not None, repr(error))
    if claims is None:
        return
    check("token: the claims are exactly iss, sub, sid, aud, iat, exp, jti",
          set(claims) == {"iss", "sub", "sid", "aud", "iat", "exp", "jti"}, sorted(claims))
    check("token: iss is the --issuer", claims["iss"] == ISSUER, claims["iss"])
    check("token: sub is the account id of the login", claims["sub"] == session.account_id, f"{claims['sub']} vs {session.account_id}")
    check("token: sid is the session id of the login", claims["sid"] == session.id, f"{claims['sid']} vs {session.id}")
    check("token: aud is the audience asked for, as a string", claims["aud"] == "billing", claims["aud"])
    check("token: exp - iat is the default lifetime (5 minutes)", claims["exp"] - claims["iat"] == DEFAULT_LIFETIME,
          claims["exp"] - claims["iat"])
    check("token: iat is now", abs(claims["iat"] - time.time()) <= 5, claims["iat"] - time.time())
    check("token: expiresAt in the answer is exp", utc_seconds(reply.field("expiresAt")) == claims["exp"],
          f"{reply.field('expiresAt')} vs {claims['exp']}")
    _, second = session.access_token("billing")
    jti = unverified(second)[1].get("jti") if second else None
    check("token: jti is there and differs from one token to the next", bool(claims["jti"]) and jti and jti != claims["jti"],
          f"{claims['jti']!r} then {jti!r}")

    error = refused(lambda: verify(server, token, audience="other", issuer=ISSUER), jwt.InvalidAudienceError)
    check("token: the billing token is refused for the audience \"other\" (InvalidAudienceError)", error is not None)
    error = refused(lambda: verify(server, token, audience="billing", issuer="https://elsewhere.example.test"), jwt.InvalidIssuerError)
    check("token: and refused for another issuer (InvalidIssuerError)", error is not None)

    reply, plain = session.access_token()
    check("token: POST /v1/token without a body answers 200", plain is not None, reply)
    if plain:
        claims = verify(server, plain, audience=ISSUER, issuer=ISSUER)
        check("token: without an audience asked for, aud is the issuer", claims["aud"] == ISSUER, claims["aud"])
    reply = session.call("POST", "/v1/token", {})
    check("token: a body of {} asks for no audience either (aud is the issuer)",
          reply.status == 200 and audience_of(reply.field("accessToken")) == ISSUER, reply)
    audience = "a" * 256
    reply, long_token = session.access_token(audience)
    check("token: an audience of 256 characters is fine",
          audience_of(long_token) == audience, reply)


def scenario_forgeries(server):
    """3: tokens changed or re-signed after the fact, and tokens used where they do not belong."""
    session = sign_up_and_log_in(server.port, "forge1")
    _, token = session.access_token("billing")
    if token is None:
        check("forgery: a token to forge from", False)
        return
    header, claims, signature = segments(token)
    payload = json.loads(unb64url(claims))

    changed = dict(payload, sub="01AAAAAAAAAAAAAAAAAAAAAAAA")
    tampered = ".".join([header, b64url(json.dumps(changed, separators=(",", ":")).encode()), signature])
    SEEN_TOKENS.add(tampered)
    error = refused(lambda: verify(server, tampered, audience="billing", issuer=ISSUER), jwt.InvalidSignatureError)
    check("forgery: a payload whose sub was changed fails the signature check (InvalidSignatureError)", error is not None)

    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next((k for k in server.jwks().field("keys") or [] if k.get("kid") == kid), None)
    check("forgery: the JWKS holds the token's key", jwk is not None)
    if jwk is None:
        return
    secret = unb64url(jwk["x"])
    forged_header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}, separators=(",", ":")).encode())
    signing_input = forged_header + "." + claims
    hs256 = signing_input + "." + b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    SEEN_TOKENS.add(hs256)
    key = jwks_client(server).get_signing_key_from_jwt(hs256)
    error = refused(lambda: jwt.decode(hs256, key.key, algorithms=["EdDSA"], audience="billing", issuer=ISSUER),
                    jwt.InvalidAlgorithmError)
    check("forgery: re-signed as HS256 keyed with the JWKS x, it is refused by PyJWT held to EdDSA", error is not None)
    none_header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}, separators=(",", ":")).encode())
    unsigned = none_header + "." + claims + "."
    error = refused(lambda: jwt.decode(unsigned, key.key, algorithms=["EdDSA"], audience="billing", issuer=ISSUER),
                    jwt.InvalidAlgorithmError, jwt.DecodeError)
    check("forgery: alg none is refused by PyJWT held to EdDSA", error is not None)

    # The session token carries the same kid as the access tokens (one key, two halves): a verifier
    # must still not take it for an access token.
    error = refused(lambda: verify(server, session.token, audience=ISSUER, issuer=ISSUER), jwt.InvalidAlgorithmError)
    check("forgery: a session token does not pass for an access token (InvalidAlgorithmError)", error is not None)

    for what, candidate in (("a genuine access token", token), ("the HS256 re-signed token", hs256),
                            ("the token with a changed sub", tampered)):
        reply = call(server.port, "GET", "/v1/me", token=candidate)
        check(f"forgery: {what} as a bearer session token on GET /v1/me is 401 TokenVerificationFailed",
              reply.status == 401 and reply.code == "TokenVerificationFailed", reply)
    reply = call(server.port, "POST", "/v1/token", token=token)
    check("forgery: an access token cannot buy another one (POST /v1/token with it is 401 TokenVerificationFailed)",
          reply.status == 401 and reply.code == "TokenVerificationFailed", reply)
    reply = session.call("GET", "/v1/me")
    check("forgery: the session itself still works", reply.status == 200, reply)


def scenario_jwks(server):
    """4: the key set and its caching."""
    reply = server.jwks()
    keys = reply.field("keys")
    check("jwks: GET /.well-known/jwks.json answers 200 with keys", reply.status == 200 and isinstance(keys, list) and keys, reply)
    if not keys:
        return
    good = []
    for key in keys:
        try:
            raw = unb64url(key["x"])
            Ed25519PublicKey.from_public_bytes(raw)
            good.append(key.get("kty") == "OKP" and key.get("crv") == "Ed25519" and key.get("alg") == "EdDSA"
                        and key.get("use") == "sig" and bool(key.get("kid")) and "=" not in key["x"]
                        and set(key) == {"kty", "crv", "x", "kid", "alg", "use"})
        except (KeyError, ValueError):
            good.append(False)
    check("jwks: every key is {kty OKP, crv Ed25519, x (32 bytes, unpadded base64url), kid, alg EdDSA, use sig}",
          all(good), keys)
    check("jwks: no private part (d) is published", not any("d" in key for key in keys))
    check("jwks: Cache-Control: public, max-age=60", reply.header("Cache-Control") == "public, max-age=60",
          reply.header("Cache-Control"))
    check("jwks: the answer is JSON", (reply.header("Content-Type") or "").startswith("application/json"), reply.header("Content-Type"))
    etag = reply.header("ETag")
    check("jwks: there is a quoted ETag", bool(etag) and etag.startswith('"') and etag.endswith('"'), etag)
    if not etag:
        return
    again = server.jwks()
    check("jwks: the ETag stays the same while the keys do", again.header("ETag") == etag, f"{etag} then {again.header('ETag')}")
    cached = raw_call(server.port, "GET", "/.well-known/jwks.json", headers={"If-None-Match": etag})
    check("jwks: If-None-Match with the ETag is 304 without a body", cached.status == 304 and cached.raw == b"", cached)
    check("jwks: the 304 repeats the ETag and Cache-Control",
          cached.header("ETag") == etag and cached.header("Cache-Control") == "public, max-age=60", cached.headers)
    listed = raw_call(server.port, "GET", "/.well-known/jwks.json", headers={"If-None-Match": f'"0123", {etag}'})
    check("jwks: the ETag within a list of If-None-Match is 304 too", listed.status == 304, listed)
    other = raw_call(server.port, "GET", "/.well-known/jwks.json", headers={"If-None-Match": '"not-the-etag"'})
    check("jwks: another ETag is 200 with the keys", other.status == 200 and other.field("keys") == keys, other)


def scenario_refusals(server):
    """5: malformed requests, no session, and the cookie with its CSRF rule."""
    session = sign_up_and_log_in(server.port, "refuse1")
    for what, audience in (("empty", ""), ("of 257 characters", "a" * 257), ("with a space", "bill ing"),
                           ("with a control character", "bill\u0001ing"), ("with a newline", "billing\n")):
        reply = session.call("POST", "/v1/token", {"audience": audience})
        check(f"refusal: an audience {what} is 400 InvalidRequest", reply.status == 400 and reply.code == "InvalidRequest"
              and reply.field("accessToken") is None, reply)
    reply = session.call("POST", "/v1/token", {"audience": 42})
    check("refusal: an audience that is not a string is 400", reply.status == 400, reply)
    reply = call(server.port, "POST", "/v1/token", {"audience": "billing"})
    check("refusal: POST /v1/token without a session is 401 Unauthorized", reply.status == 401 and reply.code == "Unauthorized", reply)
    reply = call(server.port, "POST", "/v1/token", token="not-a-session-token")
    check("refusal: POST /v1/token with a made-up bearer token is 401 TokenVerificationFailed",
          reply.status == 401 and reply.code == "TokenVerificationFailed", reply)
    reply = session.raw("POST", "/v1/token", b"audience=billing", {"Content-Type": "text/plain"})
    check("refusal: a text/plain body is 415 UnsupportedMediaType",
          reply.status == 415 and reply.code == "UnsupportedMediaType", reply)
    reply = session.raw("POST", "/v1/token", b"{\"audience\":", {"Content-Type": "application/json"})
    check("refusal: malformed JSON is 400", reply.status == 400, reply)
    reply, token = session.access_token()
    check("refusal: the session still gets tokens after all that", token is not None, reply)

    login = raw_call(server.port, "POST", "/v1/login", json.dumps({"username": "refuse1", "password": PASSWORD}).encode(),
                     {"Content-Type": "application/json", "Gatehouse-Transport": "cookie"})
    cookie = cookie_value(login)
    set_cookie = next((v for v in login.headers_named("Set-Cookie") if v.startswith(COOKIE + "=")), "")
    attributes = [a.strip().lower() for a in set_cookie.split(";")[1:]]
    check("cookie: a login with Gatehouse-Transport: cookie sets __Host-gatehouse (Secure, HttpOnly, Path=/), no token in the body",
          login.status == 200 and cookie and "secure" in attributes and "httponly" in attributes and "path=/" in attributes
          and not login.field("authToken") and not login.header("Auth-Token"), f"{login} {attributes}")
    if not cookie:
        return
    cookie_session = login.json["session"]["id"]

    def with_cookie(headers=None, data=None):
        nonlocal cookie
        reply = raw_call(server.port, "POST", "/v1/token", data, {"Cookie": f"{COOKIE}={cookie}", **(headers or {})})
        cookie = cookie_value(reply) or cookie
        return reply

    reply = with_cookie()
    check("cookie: without X-Gatehouse-CSRF and without Origin, POST /v1/token is 403 CSRFRejected",
          reply.status == 403 and reply.code == "CSRFRejected", reply)
    reply = with_cookie({"Origin": "https://evil.example.test"})
    check("cookie: with a foreign Origin it is 403 CSRFRejected", reply.status == 403 and reply.code == "CSRFRejected", reply)
    reply = with_cookie({"X-Gatehouse-CSRF": "1"})
    token = reply.field("accessToken")
    check("cookie: with X-Gatehouse-CSRF: 1 it answers 200 with an access token", reply.status == 200 and token, reply)
    if token:
        claims = verify(server, token, audience=ISSUER, issuer=ISSUER)
        check("cookie: the token is for the cookie's session", claims["sid"] == cookie_session and claims["sub"] == session.account_id,
              claims)
    reply = with_cookie({"X-Gatehouse-CSRF": "1", "Content-Type": "application/json"}, json.dumps({"audience": "billing"}).encode())
    check("cookie: with X-Gatehouse-CSRF and an audience it answers 200",
          reply.status == 200 and audience_of(reply.field("accessToken")) == "billing", reply)
    reply = with_cookie({"Origin": server.url})
    check("cookie: with the server's own Origin it answers 200", reply.status == 200 and reply.field("accessToken"), reply)


def scenario_lifetime_bounds():
    """5, last part: lifetimes outside 1s..1h stop the server at start, from a flag or the environment."""
    for what, flags, settings in (("--access-token-lifetime 2h", ["--access-token-lifetime", "2h"], {}),
                                  ("--access-token-lifetime 0s", ["--access-token-lifetime", "0s"], {}),
                                  ("GATEHOUSE_ACCESS_TOKEN_LIFETIME=61m", [], {"GATEHOUSE_ACCESS_TOKEN_LIFETIME": "61m"})):
        directory = tempfile.mkdtemp(dir=WORKDIR, prefix="bounds.")
        process = subprocess.Popen([BINARY, "serve", "--port", str(free_port()), "--database",
                                    os.path.join(directory, "gatehouse.sqlite"), *flags],
                                   cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=server_environment(**settings))
        PROCESSES.append(process)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            stop(process)
            output = b"(still running after 30 s)"
        text = output.decode(errors="replace")
        check(f"bounds: {what} stops the server at start, naming the setting",
              process.returncode not in (None, 0) and "lifetime" in text.lower(), f"exit {process.returncode}: {text[-300:]}")


def scenario_rotation(server):
    """1, 2 and 6 with the default issuer and a 3 s lifetime: rotate, switch, retire, unpublish."""
    session = sign_up_and_log_in(server.port, "rotate1")
    reply, first = session.access_token("billing")
    if first is None:
        check("rotation: a first token", False, reply)
        return
    old_kid = jwt.get_unverified_header(first)["kid"]
    # Checked without expiry: it has 2 to 3 s to live, and a slow moment must not make this flaky.
    claims = verify(server, first, audience="billing", issuer=server.url, options={"verify_exp": False})
    check("rotation: without --issuer, iss is the server's own URL", claims["iss"] == server.url, claims["iss"])
    check("rotation: exp - iat is --access-token-lifetime (3 s)", claims["exp"] - claims["iat"] == SHORT_LIFETIME,
          claims["exp"] - claims["iat"])
    reply, plain = session.access_token()
    check("rotation: without an audience, aud is the server's own URL",
          audience_of(plain) == server.url, reply)
    old_key = jwks_client(server).get_signing_key(old_kid)
    old_tag = server.jwks().header("ETag")
    expiries = {old_kid: max(unverified(t)[1]["exp"] for t in (first, plain) if t)}

    # While no key is older than the activation delay (just after the first start), the newest key
    # signs at once; the delay under test only holds for a rotation after that.
    time.sleep(max(0.0, server.ready + ACTIVATION_DELAY + 1.0 - time.monotonic()))
    rotated = time.monotonic()
    code, output = server.keys("rotate")
    check("rotation: gatehouse keys rotate succeeds", code == 0, output)
    code, output = server.keys("list", "--json")
    listed = json.loads(output)["keys"] if code == 0 else []
    new_kid = next((k["kid"] for k in listed if k.get("status") == "signing"), None)
    check("rotation: keys list shows a new signing key, the old one verify-only",
          new_kid not in (None, old_kid) and {k["kid"]: k["status"] for k in listed}.get(old_kid) == "verify-only", output)
    if new_kid in (None, old_kid):
        return

    published = wait_for(lambda: (lambda kids: kids if kids and len(kids) == 2 else None)(server.published()), PUBLISH_WAIT)
    check(f"rotation: the JWKS lists both keys within {PUBLISH_WAIT:.0f} s", published and set(published) == {old_kid, new_kid},
          published or server.published())
    if published:
        note(f"the new key was published {time.monotonic() - rotated:.1f} s after the rotation")
    check("rotation: the ETag changed with the keys", server.jwks().header("ETag") not in (None, old_tag))

    # Every token the new key signs must be checkable with a JWKS fetched before it was asked for.
    unpublished_signatures = []

    def next_token():
        kids = server.published() or []
        reply, token = session.access_token("billing")
        if token is None:
            return None
        kid = jwt.get_unverified_header(token)["kid"]
        expiries[kid] = max(expiries.get(kid, 0), unverified(token)[1]["exp"])
        if kid not in kids:
            unpublished_signatures.append(kid)
        return token if kid == new_kid else None

    switched = wait_for(next_token, SWITCH_WAIT)
    switched_after = time.monotonic() - rotated
    check(f"rotation: tokens are signed with the new key within {SWITCH_WAIT:.0f} s", switched is not None)
    check(f"rotation: but not before the activation delay ({ACTIVATION_DELAY:.0f} s after the rotation)",
          switched is None or switched_after >= ACTIVATION_DELAY, f"{switched_after:.2f} s")
    check("rotation: no token was signed with a key the JWKS did not list yet", not unpublished_signatures, unpublished_signatures)
    if switched is None:
        return
    note(f"tokens switched to the new key {switched_after:.1f} s after the rotation")
    claims = verify(server, switched, audience="billing", issuer=server.url, options={"verify_exp": False})
    check("rotation: a token of the new key verifies", claims["sid"] == session.id, claims)
    reply = session.call("GET", "/v1/me")   # so the session token is surely one the new key signed
    check("rotation: the session works across the switch", reply.status == 200, reply)

    code, output = server.keys("retire", new_kid)
    check("rotation: the signing key cannot be retired (keys retire exits non-zero)", code != 0, output)
    code, output = server.keys("retire", old_kid)
    check("rotation: gatehouse keys retire of the old key succeeds", code == 0, output)
    retired_at = time.time()

    last_seen = [time.time()]

    def old_key_gone():
        kids = server.published()
        if kids is not None and old_kid in kids:
            last_seen[0] = time.time()
            return False
        return kids is not None

    gone = wait_for(old_key_gone, UNPUBLISH_WAIT)
    gone_at = time.time()
    check(f"rotation: the retired key leaves the JWKS within {UNPUBLISH_WAIT:.0f} s", gone)
    if gone:
        note(f"the retired key was published {last_seen[0] - retired_at:.1f} s after its retirement "
             f"and gone {gone_at - retired_at:.1f} s after it")
    # A token is refused from its exp on (RFC 7519 4.1.4), so its key must be listed at least until then.
    old_expiry = expiries[old_kid]
    check("rotation: the retired key stayed in the JWKS until every token it signed had expired",
          last_seen[0] >= old_expiry, f"last listed {last_seen[0]:.1f}, its last token expires {old_expiry}")
    reply = session.call("GET", "/v1/me")
    check("rotation: the session works after the old key's retirement", reply.status == 200, reply)

    error = refused(lambda: verify(server, first, audience="billing", issuer=server.url, options={"verify_exp": False}),
                    jwt.PyJWKClientError)
    check("rotation: the old key's token is refused by a fresh JWKS for its unknown kid (PyJWKClientError)",
          error is not None and old_kid not in (server.published() or []), repr(error))
    wait_for(lambda: time.time() > unverified(first)[1]["exp"] + 1, SHORT_LIFETIME + 2)
    error = refused(lambda: jwt.decode(first, old_key.key, algorithms=["EdDSA"], audience="billing", issuer=server.url),
                    jwt.ExpiredSignatureError)
    check("rotation: with the key kept from before, the old token is refused only as expired", error is not None)
    reply, latest = session.access_token("billing")
    error = None
    try:
        claims = verify(server, latest, audience="billing", issuer=server.url) if latest else None
    except jwt.PyJWTError as failure:
        claims, error = None, failure
    check("rotation: a fresh token of the new key verifies against the fresh JWKS (expiry checked)",
          claims is not None and jwt.get_unverified_header(latest)["kid"] == new_kid, repr(error) if error else reply)


def scenario_logs(servers):
    """7: no token in any server log."""
    texts = {server.name: server.log() for server in servers}
    lines = sum(text.count("\n") for text in texts.values())
    note(f"{len(texts)} logs, {lines} lines; {len(SEEN_TOKENS)} tokens seen")
    check("logs: there is something to look at (each server logged the access tokens it issued)",
          all("access token issued" in text for text in texts.values()), {n: t.count("\n") for n, t in texts.items()})
    leaks = [(name, token[:16]) for token in SEEN_TOKENS for name, text in texts.items() if token in text]
    check("logs: no access token or session token appears in any log", not leaks, leaks[:5])
    parts = [(name, token[:16]) for token in SEEN_TOKENS if token.count(".") == 2 and len(token.split(".")[2]) >= 40
             for name, text in texts.items() if token.split(".")[2] in text]
    check("logs: nor the signature part of one", not parts, parts[:5])


# MARK: - Running

def main():
    # A SIGTERM (a CI timeout) still stops the servers in the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    servers = []
    try:
        if not os.environ.get("GATEHOUSE_ACCESS_BINARY") and not os.path.exists(BINARY):
            subprocess.run(["swift", "build", "--product", "gatehouse"], cwd=ROOT, check=True)
        if not os.access(BINARY, os.X_OK):
            raise SystemExit(f"{BINARY} is not an executable")
        print(f"access token test: {BINARY}; files in {WORKDIR}")
        issuer = Server("issuer", "--issuer", ISSUER)
        servers.append(issuer)
        run(scenario_claims, issuer)
        run(scenario_forgeries, issuer)
        run(scenario_jwks, issuer)
        run(scenario_refusals, issuer)
        run(scenario_lifetime_bounds)
        rotation = Server("rotation", "--key-refresh-interval", "1s", "--access-token-lifetime", f"{SHORT_LIFETIME}s")
        servers.append(rotation)
        run(scenario_rotation, rotation)
        for server in servers:
            server.stop()
        run(scenario_logs, servers)
    finally:
        for process in PROCESSES:
            stop(process)
        testkit.tidy(servers, WORKDIR, KEEP)
    return testkit.summary("access_token", began)


if __name__ == "__main__":
    sys.exit(main())
