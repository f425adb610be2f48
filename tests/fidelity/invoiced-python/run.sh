#!/usr/bin/env bash
# Fidelity test: the official `invoiced` Python library (PyPI, pinned in requirements.txt,
# unmodified) against the Invoiced sandbox. Expects `cargo build -p sandbox --bin sandbox` first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="${SANDBOX_BIN:-$root/target/debug/sandbox}"
venv="$here/.venv"
api_key="fidelity_api_key_0123456789"

if [[ ! -x "$bin" ]]; then
  echo "missing $bin: run 'cargo build -p sandbox --bin sandbox' first" >&2
  exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# A free loopback port, chosen by the OS.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
url="http://127.0.0.1:$port"
log="$(mktemp)"
"$bin" --invoiced-addr "127.0.0.1:$port" --invoiced-api-key "$api_key" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$url/sandbox/health" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "sandbox exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

"$venv/bin/python" "$here/fidelity.py" "$url" "$api_key"
