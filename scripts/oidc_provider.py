#!/usr/bin/env python3
"""A small but real OpenID Connect provider for the end-to-end tests (scripts/oidc_test.py): the
authorization code flow with PKCE (S256 only) on http.server, its ID tokens signed with PyJWT and
cryptography. It listens on 127.0.0.1 only and runs in a thread of the test; there is no login page: it
"logs in" whoever the test made the current person.

Endpoints:
 - GET /.well-known/openid-configuration: issuer (the base URL), authorization_endpoint, token_endpoint,
   jwks_uri, response_types_supported [code], response_modes_supported [query, form_post],
   id_token_signing_alg_values_supported [RS256, ES256], code_challenge_methods_supported [S256],
   token_endpoint_auth_methods_supported;
 - GET /jwks: the public keys the test says to publish (all keys by default);
 - GET /authorize: checks client_id and that redirect_uri is registered (an error page, never a
   redirect, when they are wrong), then response_type=code, scope with openid, state, nonce,
   code_challenge with code_challenge_method=S256, response_mode query or form_post (errors redirected as
   error=…&state=…); answers 302 to redirect_uri?code=…&state=… or, for response_mode=form_post, an HTML
   page whose form posts code and state (and Apple's `user` JSON on a subject's first authorization) to
   redirect_uri;
 - POST /token: a form; the client authenticated with client_secret_post or client_secret_basic (in
   Apple mode the secret is an ES256 JWT checked with PyJWT against the team's public key); then
   grant_type=authorization_code, the code known, unexpired and unused (a second use is 400
   invalid_grant), issued to that client, redirect_uri the same, code_verifier whose S256 is the
   challenge; answers {access_token, token_type, expires_in, id_token} with an ID token (iss, sub,
   aud=client_id, exp, iat, auth_time, nonce, email, email_verified, name, preferred_username) signed
   RS256 with the current key, its kid in the header.

Test controls (Python, not HTTP): `person` (who logs in next), `rotate_key` / `publish` (which keys sign
and which the JWKS lists), `mint` (any ID token: any claims, any key, any alg header, `none` and HS256
included), `tamper_next` (the next token response carries other claims, another key or a given
id_token), `deny_next` (the next authorization answers error=…), `count` and `since` (requests per endpoint, the time since the last), and
what it saw: `authorizations`, `exchanges` (each code exchange with its verifier and whether it matched),
`apple_checks`, `issued` (every code, token, verifier and client secret it handled, for log checks).

Run on its own for manual use: python3 scripts/oidc_provider.py --client-id ID --client-secret SECRET
--redirect-uri URL [--port N].
"""
import argparse
import base64
import collections
import copy
import hashlib
import hmac
import html
import http.server
import json
import re
import secrets
import threading
import time
import urllib.parse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

APPLE_AUDIENCE = "https://appleid.apple.com"
APPLE_SECRET_LONGEST = 180 * 24 * 3600   # Apple refuses client secrets that live longer
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
REMOVE = object()                         # in tamper_next(claims=…): leave this claim out


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier):
    """The PKCE S256 challenge of a code verifier (RFC 7636 4.2)."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class SigningKey:
    """A key pair the provider may sign ID tokens with: RSA 2048 for RS256, P-256 for ES256."""

    def __init__(self, alg="RS256", kid=None):
        self.alg = alg
        self.kid = kid or f"{alg.lower()}-{secrets.token_hex(6)}"
        if alg == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        else:
            raise ValueError(f"no key type for {alg}")
        self.public = self.private.public_key()

    def jwk(self):
        algorithm = jwt.algorithms.RSAAlgorithm if self.alg == "RS256" else jwt.algorithms.ECAlgorithm
        key = algorithm.to_jwk(self.public, as_dict=True)
        key.update({"kid": self.kid, "alg": self.alg, "use": "sig"})
        return key


def unsigned_token(header, claims, signature=b""):
    """A compact JWT put together by hand (for `alg: none` and other forgeries PyJWT will not make)."""
    def part(value):
        return b64url(json.dumps(value, separators=(",", ":")).encode())
    return f"{part(header)}.{part(claims)}.{b64url(signature)}"


def hs256_token(header, claims, key):
    """A token MACed with HS256 keyed with `key` (bytes), whatever its header says."""
    def part(value):
        return b64url(json.dumps(value, separators=(",", ":")).encode())
    signing_input = f"{part(header)}.{part(claims)}"
    return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def write_apple_key(path):
    """Writes a new P-256 private key as Apple's .p8 files hold it (PKCS#8 PEM) and returns its public key."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(path, "wb") as f:
        f.write(pem)
    return private.public_key()


class AppleMode:
    """What makes the provider behave like Sign in with Apple: client secrets are ES256 JWTs of this team
    and key, ID tokens say email_verified as the string "true" and carry no name, and the first
    authorization of a subject posts its name as the `user` JSON."""

    def __init__(self, team_id, key_id, public_key):
        self.team_id = team_id
        self.key_id = key_id
        self.public_key = public_key


class Grant:
    """An authorization code and what it was issued for."""

    def __init__(self, code, client_id, redirect_uri, challenge, nonce, person, scope, lifetime):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.challenge = challenge
        self.nonce = nonce
        self.person = person
        self.scope = scope
        self.issued = time.time()
        self.expires = self.issued + lifetime
        self.used = False


class Provider:
    """The provider; `start()` listens on 127.0.0.1:`port` (0: a free port) in a daemon thread."""

    def __init__(self, client_id, client_secret=None, redirect_uris=(), apple=None, port=0, code_lifetime=60.0,
                 token_lifetime=600):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.apple = apple
        self.code_lifetime = code_lifetime
        self.token_lifetime = token_lifetime
        self.lock = threading.RLock()
        self.keys = {}
        self.published = None          # kids the JWKS lists; None: every key
        self.current = None
        self.rotate_key()
        self.person = {"sub": "subject-1", "email": "person@example.com", "email_verified": True, "name": "A Person",
                       "preferred_username": "person"}
        self.grants = {}
        self.tampering = collections.deque()
        self.denials = collections.deque()
        self.requests = collections.Counter()
        self.last_request = {}         # path: time.monotonic() of its last request
        self.authorizations = []       # the query of every authorization request, as a dict
        self.exchanges = []            # every POST /token: dict (code, verifier, verifier_ok, auth, outcome…)
        self.apple_checks = []         # (passed, reason) of every Apple client secret checked
        self.issued = set()            # codes, ID tokens, verifiers and client secrets: in no server log
        self.seen_subjects = set()
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def do_GET(self):
                provider.handle(self, "GET")

            def do_POST(self):
                provider.handle(self, "POST")

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.thread = None

    # MARK: - Life

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(timeout=5)

    # MARK: - Test controls

    def set_person(self, sub, email=None, email_verified=True, name=None, preferred_username=None, **claims):
        """Who the next authorizations log in."""
        with self.lock:
            self.person = {"sub": sub, "email": email, "email_verified": email_verified, "name": name,
                           "preferred_username": preferred_username, **claims}

    def rotate_key(self, alg="RS256", publish="all"):
        """A new key signs from now on; publish: "all" (every key), "new" (the new one only), "old" (not the
        new one). Returns the new key."""
        with self.lock:
            key = SigningKey(alg)
            old = list(self.keys)
            self.keys[key.kid] = key
            self.current = key
            if publish == "new":
                self.published = [key.kid]
            elif publish == "old":
                self.published = old
            else:
                self.published = None
            return key

    def add_key(self, alg="RS256", publish=True):
        """A key that does not sign by itself (for `mint`), published or not."""
        with self.lock:
            key = SigningKey(alg)
            self.keys[key.kid] = key
            if self.published is not None and publish:
                self.published.append(key.kid)
            elif self.published is None and not publish:
                self.published = [kid for kid in self.keys if kid != key.kid]
            return key

    def publish(self, kids):
        """The JWKS lists exactly these kids (None: every key)."""
        with self.lock:
            self.published = list(kids) if kids is not None else None

    def jwks(self):
        with self.lock:
            kids = self.published if self.published is not None else list(self.keys)
            return {"keys": [self.keys[kid].jwk() for kid in kids if kid in self.keys]}

    def claims_for(self, person=None, nonce=None, audience=None, lifetime=None, **extra):
        """The ID token claims the provider would issue now for `person` (the current one by default)."""
        now = int(time.time())
        person = dict(person or self.person)
        claims = {"iss": self.issuer, "sub": person.pop("sub"), "aud": audience or self.client_id, "iat": now,
                  "exp": now + (lifetime or self.token_lifetime), "auth_time": now}
        if nonce is not None:
            claims["nonce"] = nonce
        for name, value in person.items():
            if value is not None:
                claims[name] = value
        if self.apple:
            claims.pop("name", None)
            claims.pop("preferred_username", None)
            if "email_verified" in claims:
                claims["email_verified"] = "true" if claims["email_verified"] is True else "false" \
                    if claims["email_verified"] is False else claims["email_verified"]
        for name, value in extra.items():
            if value is REMOVE:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def mint(self, claims, key=None, alg=None, headers=None, hmac_key=None):
        """An ID token of `claims`, signed with `key` (a SigningKey; the current one by default) as `alg`
        says: RS256/ES256 with the key, "none" with no signature, HS256 keyed with `hmac_key` (bytes; the
        client secret by default). `headers` are merged into the header ({"kid": None} leaves kid out)."""
        with self.lock:
            key = key or self.current
        alg = alg or key.alg
        header = {"alg": alg, "typ": "JWT", "kid": key.kid}
        header.update(headers or {})
        header = {name: value for name, value in header.items() if value is not None}
        if alg == "none":
            token = unsigned_token(header, claims)
        elif alg == "HS256":
            token = hs256_token(header, claims, hmac_key if hmac_key is not None else (self.client_secret or "").encode())
        else:
            extra = {name: value for name, value in header.items() if name not in ("alg", "typ")}
            token = jwt.encode(claims, key.private, algorithm=alg, headers=extra)
        with self.lock:
            self.issued.add(token)
        return token

    def tamper_next(self, claims=None, key=None, alg=None, headers=None, id_token=None):
        """The next successful token response: its claims changed by `claims` (REMOVE drops one), signed
        with `key`/`alg`/`headers` as in `mint`, or carrying `id_token` (a string, or a function of the
        claims the provider would have issued that returns one) as it is."""
        with self.lock:
            self.tampering.append({"claims": claims or {}, "key": key, "alg": alg, "headers": headers, "id_token": id_token})

    def deny_next(self, error="access_denied", description=None):
        """The next authorization request answers error=`error` to the client instead of a code."""
        with self.lock:
            self.denials.append((error, description))

    def count(self, path):
        with self.lock:
            return self.requests[path]

    def since(self, path):
        """Seconds since the last request for `path`, None when there was none."""
        with self.lock:
            at = self.last_request.get(path)
        return None if at is None else time.monotonic() - at

    def exchanges_since(self, index):
        with self.lock:
            return list(self.exchanges[index:])

    # MARK: - HTTP

    def handle(self, request, method):
        url = urllib.parse.urlsplit(request.path)
        with self.lock:
            self.requests[url.path] += 1
            self.last_request[url.path] = time.monotonic()
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        try:
            if url.path == "/.well-known/openid-configuration" and method == "GET":
                answer = self.json_answer(200, self.discovery())
            elif url.path == "/jwks" and method == "GET":
                answer = self.json_answer(200, self.jwks())
            elif url.path == "/authorize" and method == "GET":
                answer = self.authorize(urllib.parse.parse_qs(url.query, keep_blank_values=True))
            elif url.path == "/token" and method == "POST":
                answer = self.token(request.headers, body)
            else:
                answer = self.json_answer(404, {"error": "not_found"})
        except Exception as error:   # noqa: BLE001 — a bug here is answered, and shows up in the test
            answer = self.json_answer(500, {"error": "server_error", "error_description": repr(error)})
        status, headers, payload = answer
        request.send_response(status)
        for name, value in headers:
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    @staticmethod
    def json_answer(status, value, headers=()):
        return status, [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *headers], json.dumps(value).encode()

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "subject_types_supported": ["public"],
            "scopes_supported": ["openid", "email", "profile", "name"],
            "grant_types_supported": ["authorization_code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["sub", "email", "email_verified", "name", "preferred_username", "nonce"],
        }

    def authorize(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values and len(values) == 1 else None

        with self.lock:
            self.authorizations.append({name: values[0] if len(values) == 1 else values for name, values in query.items()})
        client_id, redirect_uri = one("client_id"), one("redirect_uri")
        # Never redirect to an unchecked address: these two are answered with a page of our own.
        if client_id != self.client_id:
            return 400, [("Content-Type", "text/plain")], b"unknown client_id"
        if redirect_uri not in self.redirect_uris:
            return 400, [("Content-Type", "text/plain")], b"redirect_uri is not registered"
        state, mode = one("state"), one("response_mode") or "query"

        def refuse(error, description):
            return self.deliver(redirect_uri, mode if mode in ("query", "form_post") else "query",
                                {"error": error, "error_description": description, **({"state": state} if state else {})})

        if mode not in ("query", "form_post"):
            return refuse("invalid_request", "response_mode is query or form_post")
        if one("response_type") != "code":
            return refuse("unsupported_response_type", "response_type must be code")
        if "openid" not in (one("scope") or "").split(" "):
            return refuse("invalid_scope", "scope must include openid")
        if not state:
            return refuse("invalid_request", "state is required")
        nonce = one("nonce")
        if not nonce:
            return refuse("invalid_request", "nonce is required")
        challenge = one("code_challenge")
        if one("code_challenge_method") != "S256" or not challenge or not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
            return refuse("invalid_request", "code_challenge with code_challenge_method=S256 is required")
        with self.lock:
            denial = self.denials.popleft() if self.denials else None
        if denial:
            return refuse(denial[0], denial[1] or "the person said no")
        with self.lock:
            person = copy.deepcopy(self.person)
            code = secrets.token_urlsafe(32)
            self.grants[code] = Grant(code, client_id, redirect_uri, challenge, nonce, person, one("scope"), self.code_lifetime)
            self.issued.add(code)
            first = person["sub"] not in self.seen_subjects
            self.seen_subjects.add(person["sub"])
        fields = {"code": code, "state": state}
        if self.apple and mode == "form_post" and first:
            name = (person.get("name") or "").split(" ", 1)
            fields["user"] = json.dumps({"name": {"firstName": name[0], "lastName": name[1] if len(name) > 1 else ""},
                                         "email": person.get("email")})
        return self.deliver(redirect_uri, mode, fields)

    @staticmethod
    def deliver(redirect_uri, mode, fields):
        """The answer that hands `fields` to the client: a redirect, or a self-submitting form."""
        if mode == "form_post":
            inputs = "".join(f'<input type="hidden" name="{html.escape(n)}" value="{html.escape(v)}">' for n, v in fields.items())
            page = (f'<!doctype html><html><head><title>Signing in</title></head>'
                    f'<body onload="document.forms[0].submit()"><form method="post" action="{html.escape(redirect_uri)}">'
                    f'{inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>')
            return 200, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")], page.encode()
        separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
        return 302, [("Location", redirect_uri + separator + urllib.parse.urlencode(fields)), ("Cache-Control", "no-store")], b""

    def check_apple_secret(self, secret, client_id):
        """(passed, reason): the client secret checked as Apple checks it, with PyJWT alone."""
        try:
            header = jwt.get_unverified_header(secret)
            if header.get("alg") != "ES256":
                return False, f"alg {header.get('alg')!r}"
            if header.get("kid") != self.apple.key_id:
                return False, f"kid {header.get('kid')!r}"
            claims = jwt.decode(secret, self.apple.public_key, algorithms=["ES256"], audience=APPLE_AUDIENCE,
                                issuer=self.apple.team_id, options={"require": ["iss", "sub", "aud", "iat", "exp"]})
        except jwt.PyJWTError as error:
            return False, f"{type(error).__name__}: {error}"
        if claims["sub"] != client_id or client_id != self.client_id:
            return False, f"sub {claims['sub']!r} for client_id {client_id!r}"
        if claims["exp"] - claims["iat"] > APPLE_SECRET_LONGEST:
            return False, f"lives {claims['exp'] - claims['iat']} s"
        return True, f"iss {claims['iss']}, sub {claims['sub']}, kid {header['kid']}, lives {claims['exp'] - claims['iat']} s"

    def token(self, headers, body):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

        def one(name):
            values = form.get(name)
            return values[0] if values and len(values) == 1 else None

        exchange = {"code": one("code"), "verifier": one("code_verifier"), "redirect_uri": one("redirect_uri"),
                    "grant_type": one("grant_type"), "content_type": headers.get("Content-Type"), "form": sorted(form)}
        with self.lock:
            self.exchanges.append(exchange)

        def refuse(error, description, status=400, extra=()):
            exchange["outcome"] = error
            exchange["reason"] = description
            return self.json_answer(status, {"error": error, "error_description": description}, extra)

        # Client authentication: exactly one of client_secret_basic and client_secret_post.
        authorization = headers.get("Authorization") or ""
        if authorization.lower().startswith("basic "):
            if one("client_secret") is not None:
                return refuse("invalid_request", "two client authentication methods")
            try:
                pair = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except ValueError:
                return refuse("invalid_client", "malformed basic credentials", 401, [("WWW-Authenticate", "Basic")])
            client_id, _, secret = pair.partition(":")
            client_id, secret = urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
            exchange["auth"] = "client_secret_basic"
            if one("client_id") not in (None, client_id):
                return refuse("invalid_request", "client_id differs from the basic credentials")
        else:
            client_id, secret = one("client_id"), one("client_secret")
            exchange["auth"] = "client_secret_post"
        exchange["client_id"] = client_id
        if secret:
            with self.lock:
                self.issued.add(secret)
        if self.apple:
            passed, reason = self.check_apple_secret(secret or "", client_id)
            with self.lock:
                self.apple_checks.append((passed, reason))
            if not passed:
                return refuse("invalid_client", f"client secret: {reason}")
        elif client_id != self.client_id or not secret or not hmac.compare_digest(secret.encode(), (self.client_secret or "").encode()):
            return refuse("invalid_client", "unknown client or wrong secret",
                          401 if exchange["auth"] == "client_secret_basic" else 400,
                          [("WWW-Authenticate", "Basic")] if exchange["auth"] == "client_secret_basic" else ())
        if exchange["grant_type"] != "authorization_code":
            return refuse("unsupported_grant_type", "grant_type must be authorization_code")
        verifier = exchange["verifier"]
        if verifier:
            with self.lock:
                self.issued.add(verifier)
        with self.lock:
            grant = self.grants.get(exchange["code"] or "")
            replay = grant is not None and grant.used
            if grant is not None:
                grant.used = True
        if grant is None:
            return refuse("invalid_grant", "unknown code")
        if replay:
            exchange["replay"] = True
            return refuse("invalid_grant", "code already used")
        if time.time() > grant.expires:
            return refuse("invalid_grant", "code expired")
        if grant.client_id != client_id:
            return refuse("invalid_grant", "code issued to another client")
        if exchange["redirect_uri"] != grant.redirect_uri:
            return refuse("invalid_grant", "redirect_uri differs from the authorization request's")
        exchange["challenge"] = grant.challenge
        exchange["verifier_ok"] = bool(verifier and VERIFIER.fullmatch(verifier) and s256(verifier) == grant.challenge)
        if not exchange["verifier_ok"]:
            return refuse("invalid_grant", "code_verifier does not match the code_challenge")

        with self.lock:
            tampering = self.tampering.popleft() if self.tampering else None
        claims = self.claims_for(grant.person, nonce=grant.nonce)
        if tampering and tampering["id_token"] is not None:
            made = tampering["id_token"]
            id_token = made(claims) if callable(made) else made
        else:
            if tampering:
                for name, value in tampering["claims"].items():
                    if value is REMOVE:
                        claims.pop(name, None)
                    else:
                        claims[name] = value
            id_token = self.mint(claims, key=tampering and tampering["key"], alg=tampering and tampering["alg"],
                                 headers=tampering and tampering["headers"])
        access_token = secrets.token_urlsafe(32)
        with self.lock:
            self.issued.update({id_token, access_token})
        exchange["outcome"] = "ok"
        exchange["id_token"] = id_token
        exchange["claims"] = claims
        return self.json_answer(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                                      "scope": grant.scope, "id_token": id_token})


def main():
    parser = argparse.ArgumentParser(description="A test OpenID Connect provider on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    parser.add_argument("--subject", default="subject-1")
    parser.add_argument("--email", default="person@example.com")
    arguments = parser.parse_args()
    provider = Provider(arguments.client_id, arguments.client_secret, arguments.redirect_uri, port=arguments.port)
    provider.set_person(arguments.subject, arguments.email, True, "A Person", "person")
    print(f"issuer {provider.issuer}", flush=True)
    try:
        provider.server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
