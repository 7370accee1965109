#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need when it is missing (SQLite headers,
# PostgreSQL, openssl for throwaway certificates, Chromium and its driver from Debian; aiosmtpd, PyJWT,
# cryptography, pyotp, schemathesis, openapi-spec-validator, Selenium and axe-core from PyPI), starts a
# throwaway PostgreSQL cluster on loopback, builds once, runs every test, stops the cluster again, and
# then runs the end-to-end tests against the built server: a PostgreSQL outage, a network partition,
# revocations by the admin CLI while the server is under load, the
# account flows with real mail servers, access tokens checked with PyJWT against the JWKS alone, TOTP
# second factors and step-up with codes from pyotp, the HTTP
# contract (openapi.json) checked with schemathesis, the Prometheus metrics (every counter moved by
# exactly what a scripted flow did), the account pages in headless Chromium, and OpenID Connect login
# through real providers on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
[ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

# The mail tests talk to a real SMTP server, scripts/smtp_test_server.py, built on aiosmtpd.
if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  echo "Installing aiosmtpd"
  python3 -m pip install --quiet aiosmtpd
fi

# Access tokens are checked as another service would check them, with PyJWT (EdDSA through
# cryptography) and nothing but the JWKS: scripts/access_token_test.py. The OpenID Connect providers of
# scripts/oidc_test.py (scripts/oidc_provider.py) sign and check their JWTs with the same two. TOTP codes
# come from another implementation, pyotp: scripts/totp_test.py.
if ! python3 -c "import jwt, cryptography, pyotp" >/dev/null 2>&1; then
  echo "Installing pyjwt, cryptography, pyotp"
  python3 -m pip install --quiet pyjwt cryptography pyotp
fi

# The server is held to its OpenAPI document, openapi.json, with schemathesis (its 4.x command line);
# openapi-spec-validator checks the document itself: scripts/openapi_test.py.
if ! python3 -c "import importlib.metadata as m, openapi_spec_validator; assert m.version('schemathesis').startswith('4.')" >/dev/null 2>&1; then
  echo "Installing schemathesis 4, openapi-spec-validator"
  python3 -m pip install --quiet "schemathesis>=4.32,<5" openapi-spec-validator
fi

# The account pages are tested in headless Chromium (the Debian packages above) with Selenium, and
# checked with axe-core, which axe-selenium-python carries: scripts/ui_browser_test.py. Passkeys run
# there too, against WebDriver's virtual authenticator: scripts/passkey_test.py.
if ! python3 -c "import selenium, axe_selenium_python, requests" >/dev/null 2>&1; then
  echo "Installing selenium, axe-selenium-python, requests"
  python3 -m pip install --quiet selenium axe-selenium-python requests
fi

state_dir="${GATEHOUSE_TEST_PG_STATE_DIR:-.build-pg}"
scripts/postgres-test-cluster.sh start
trap 'scripts/postgres-test-cluster.sh stop' EXIT
# shellcheck disable=SC1091
source "$state_dir/env"
export GATEHOUSE_TEST_POSTGRES_URL GATEHOUSE_TEST_PGDATA

swift build --build-tests
swift test --skip-build "$@"
scripts/postgres-test-cluster.sh stop
trap - EXIT

python3 scripts/postgres_outage_test.py
python3 scripts/partition_test.py
python3 scripts/revocation_under_load_test.py
python3 scripts/account_flows_test.py
python3 scripts/access_token_test.py
python3 scripts/totp_test.py
python3 scripts/openapi_test.py
python3 scripts/metrics_test.py
python3 scripts/webhook_test.py
python3 scripts/ui_browser_test.py
python3 scripts/passkey_test.py
python3 scripts/oidc_test.py
