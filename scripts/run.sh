#!/usr/bin/env bash
# Runs OpsBrain Store on this machine: installs missing Debian packages,
# builds, starts the storage service, applies schema migrations with the
# migrator, optionally imports a legacy OpsBrain SQLite file, and starts the
# gateway. Both services stay in the foreground until Ctrl-C (or SIGTERM),
# which stops them cleanly.
#
#   scripts/run.sh                          SQLite file ./opsbrain-store.db
#   DATABASE_URL=postgres://... scripts/run.sh
#   LEGACY_DB=/path/opsbrain.db scripts/run.sh     import it first
#   scripts/run.sh --legacy-db /path/opsbrain.db   the same
#
# PORT (default 8080) is the gateway's HTTP port; STORAGE_LISTEN (default
# 127.0.0.1:50051) the storage service's gRPC address.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"

legacy_db="${LEGACY_DB:-}"
while (($# > 0)); do
  case "$1" in
    --legacy-db) legacy_db="$2"; shift 2 ;;
    --legacy-db=*) legacy_db="${1#*=}"; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

"${top}/scripts/setup.sh"
(cd "${top}" && bazel build //storage_service //gateway //migrator)
bin="$(cd "${top}" && bazel info bazel-bin 2>/dev/null)"

export STORAGE_LISTEN="${STORAGE_LISTEN:-127.0.0.1:50051}"
export STORAGE_ADDR="${STORAGE_ADDR:-${STORAGE_LISTEN}}"
export PORT="${PORT:-8080}"

# ---- Console: the operator console at /console/ ----------------------------
# The gateway serves console/ (GATEWAY_CONSOLE_DIR), with Chart.js from
# console/node_modules, pinned by console/package-lock.json.
if [[ ! -f "${top}/console/node_modules/chart.js/dist/chart.umd.min.js" ]]; then
  if command -v npm >/dev/null &&
      (cd "${top}/console" && npm ci --no-audit --no-fund); then
    :
  else
    rm -rf "${top}/console/node_modules"
    echo "run.sh: npm ci in console/ failed; the console runs without its metrics charts" >&2
  fi
fi
export GATEWAY_CONSOLE_DIR="${GATEWAY_CONSOLE_DIR:-${top}/console}"
# ---- End of the console block ----------------------------------------------

pids=()
stop() {
  trap - INT TERM EXIT
  if ((${#pids[@]} > 0)); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop INT TERM EXIT

"${bin}/storage_service/storage_service" &
pids+=($!)

# The migrator waits for the storage service to answer.
"${bin}/migrator/migrator" up
if [[ -n "${legacy_db}" ]]; then
  "${bin}/migrator/migrator" import --from "${legacy_db}"
fi

# Without authentication, the gateway listens on loopback unless told
# otherwise.
export GATEWAY_BIND_ADDRESS="${GATEWAY_BIND_ADDRESS:-127.0.0.1}"
echo "run.sh: WARNING: the gateway runs with AUTHENTICATION OFF (--insecure_disable_auth) on ${GATEWAY_BIND_ADDRESS}:${PORT}: anyone who can reach it reads and writes every record. Local use only; see README, Gateway in production." >&2
"${bin}/gateway/gateway" --insecure_disable_auth --storage_plaintext --log_format=text &
pids+=($!)
echo "OpsBrain Store: http://localhost:${PORT}/v1/businessGoals (Ctrl-C stops)"
echo "Operator console: http://localhost:${PORT}/console/ (authentication is off: any token signs in)"

# Returns when either service exits; then the other is stopped too.
wait -n "${pids[@]}"
