#!/usr/bin/env bash
# Builds the documentation of every library with DocC and fails on any warning (a broken symbol link,
# an undocumented parameter in a catalog article). One invocation for all of them: the plugin and its
# snippet extractor are built once.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(Gatehouse GatehouseSQLite GatehousePostgres GatehouseHummingbird GatehouseMail GatehouseWebhooks GatehouseUI GatehouseVerifier GatehouseOIDC)
swift package generate-documentation "${targets[@]/#/--target=}" --warnings-as-errors >/dev/null
echo "documentation of ${targets[*]}: no warnings"
