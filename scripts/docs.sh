#!/usr/bin/env bash
# Builds the documentation of every library with DocC and fails on any warning (a broken symbol link,
# an undocumented parameter in a catalog article).
set -euo pipefail
cd "$(dirname "$0")/.."
for target in Gatehouse GatehouseSQLite GatehousePostgres GatehouseHummingbird GatehouseMail GatehouseWebhooks GatehouseUI GatehouseVerifier GatehouseOIDC; do
  swift package generate-documentation --target "$target" --warnings-as-errors >/dev/null
  echo "documentation of $target: no warnings"
done
