#!/usr/bin/env bash
# `make test`'s pytest part: the SQLite and the PostgreSQL passes at the same time (each has its own
# database, Redis database and temporary folders), so the whole suite takes the longer of the two rather
# than their sum. Each pass's lines go to the screen prefixed with its database and to
# test-artifacts/pytest-<db>.log; the exit status is non-zero when either pass failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p test-artifacts

run_pass() {
  local db=$1
  shift
  TEST_DB=$db PYTHONUNBUFFERED=1 "$PY" -m pytest -p no:cacheprovider "$@" 2>&1 \
    | tee "test-artifacts/pytest-$db.log" | sed -u "s/^/[$db] /"
  return "${PIPESTATUS[0]}"
}

started=$SECONDS
run_pass sqlite "$@" & sqlite_pid=$!
run_pass postgres "$@" & postgres_pid=$!
# Ctrl-C or a CI timeout stops both passes, not only this script.
trap 'kill $sqlite_pid $postgres_pid 2>/dev/null; pkill -P $sqlite_pid; pkill -P $postgres_pid; exit 130' INT TERM
wait $sqlite_pid; sqlite_rc=$?
wait $postgres_pid; postgres_rc=$?

echo
for db in sqlite postgres; do
  echo "== $db: $(tail -n 1 "test-artifacts/pytest-$db.log")"
  grep -E '^(FAILED|ERROR) ' "test-artifacts/pytest-$db.log" | sed "s/^/   /"
done
echo "== both passes took $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
