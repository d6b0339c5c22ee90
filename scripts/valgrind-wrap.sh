#!/usr/bin/env bash
# meson's --wrapper for scripts/valgrind.sh: runs one test program under
# valgrind and fails it when the leak tracer saw objects alive at exit.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
valgrind --quiet --error-exitcode=9 --leak-check=full \
  --errors-for-leak-kinds=definite --num-callers=30 \
  --suppressions="$root/tests/valgrind.supp" "$@" 2> >(tee "$log" >&2)
status=$?
wait
# The tracer logs one "object-alive, type-name=(string)..." line a leak.
if grep -q 'object-alive, type-name=(string)[A-Za-z]' "$log"; then
  echo "leaks tracer: objects alive at exit" >&2
  status=1
fi
rm -f "$log"
exit $status
