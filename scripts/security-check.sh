#!/usr/bin/env bash
# Electron security lint: @doyensec/electronegativity over the sources; fails on any HIGH finding.
# (It reads TypeScript; pointed at the bundle it cannot follow the window setup.)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx -y @doyensec/electronegativity@1.10.3 -i src -e 45.6.0 -o "$out/findings.csv" -v false -r \
  >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
[ -f "$out/findings.csv" ] || { cat "$out/log"; echo "electronegativity wrote no report"; exit 1; }
high=$(grep -c ',"HIGH",' "$out/findings.csv" || true)
echo "electronegativity: $(($(wc -l <"$out/findings.csv") - 1)) findings, $high high"
if [ "$high" -gt 0 ]; then
  grep ',"HIGH",' "$out/findings.csv"
  exit 1
fi
