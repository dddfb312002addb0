#!/usr/bin/env bash
# Structure checks of issue 12: the engine stays pure, the lease's
# compare-and-delete script exists once, and bot/ stays wiring and CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

if go list -deps ./flows | grep -q 'redis/go-redis'; then
  echo "flows depends on go-redis through:"; go list -deps ./flows | grep vneidbot
  fail=1
else
  echo "ok: go list -deps ./flows shows no go-redis"
fi

# A compare-and-delete: a script that reads a key and compares it with an
# owner token before deleting or extending it.
cad=$(git ls-files '*.go' '*.lua' | grep -v '_test.go$' | xargs grep -lE 'redis\.call\(.GET., *KEYS\[1\]\) *[=~]= *ARGV\[1\]' || true)
n=$(printf '%s' "$cad" | grep -c . || true)
if [ "$n" != 1 ]; then
  echo "the compare-and-delete script must exist once; found in $n files:"; echo "$cad"
  fail=1
else
  echo "ok: the compare-and-delete script exists once ($cad)"
fi

lines=$(git ls-files 'bot/*.go' | grep -v '_test.go$' | xargs cat | wc -l)
if [ "$lines" -gt 1500 ]; then
  echo "bot/ has $lines lines of non-test code (at most 1500: wiring and CLI only)"
  fail=1
else
  echo "ok: bot/ has $lines lines of non-test code (at most 1500)"
fi
exit $fail
