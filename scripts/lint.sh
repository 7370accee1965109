#!/usr/bin/env bash
# Fails on any formatting difference from the repository's .swift-format; `swift format --in-place`
# with the same arguments fixes what it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel \
  Package.swift Sources Tests \
  Benchmarks/Package.swift Benchmarks/Sources Benchmarks/Tests \
  Fuzz/Package.swift Fuzz/Sources
echo "Formatting is clean."
