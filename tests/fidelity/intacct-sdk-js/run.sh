#!/usr/bin/env bash
# Drive the Intacct sandbox with the official @intacct/intacct-sdk (pinned in package-lock.json).
# Expects `cargo build -p sandbox --bin sandbox` to have run (scripts/test does it).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BIN="${SANDBOX_BIN:-$ROOT/target/debug/sandbox}"
if [[ ! -x "$BIN" ]]; then
  echo "sandbox binary not found at $BIN; run: cargo build -p sandbox --bin sandbox" >&2
  exit 1
fi

cd "$HERE"
npm ci --no-audit --no-fund --loglevel=error

export INTACCT_SENDER_ID="fidelity_sender"
export INTACCT_SENDER_PASSWORD="fidelity-sender-pw"
export INTACCT_COMPANY_ID="FIDELITY"
export INTACCT_USER_ID="fidelity_user"
export INTACCT_USER_PASSWORD="fidelity-user-pw"
export INTACCT_SANDBOX_HOST="sandbox.intacct.com"

LOG="$(mktemp)"
"$BIN" --intacct-addr 127.0.0.1:0 --intacct-public-host "$INTACCT_SANDBOX_HOST" \
  --intacct-sender-id "$INTACCT_SENDER_ID" --intacct-sender-password "$INTACCT_SENDER_PASSWORD" \
  --intacct-company-id "$INTACCT_COMPANY_ID" --intacct-user-id "$INTACCT_USER_ID" \
  --intacct-user-password "$INTACCT_USER_PASSWORD" --seed-customers 5 >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap cleanup EXIT

# The banner is printed once the listener is bound: that is readiness.
URL=""
for _ in $(seq 1 100); do
  URL="$(sed -n 's/^Intacct sandbox listening on \(http:\/\/[0-9.]*:[0-9]*\).*/\1/p' "$LOG" | head -n 1)"
  [[ -n "$URL" ]] && break
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "sandbox exited early:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "sandbox did not start within 10 s:" >&2
  cat "$LOG" >&2
  exit 1
fi

export INTACCT_SANDBOX_PORT="${URL##*:}"
node --require ./dns-preload.js fidelity.js
