#!/usr/bin/env bash
# Fleet check vs ssh-keyscan (issue 2): the same N simulated SSH endpoints on loopback
# (127.0.x.y, one shared port), the same machine, timed back to back.
#
#   benches/fleet.sh [N]            # N devices, default 100
#   RUNS=5 PORT=2299 CONCURRENCY=256 benches/fleet.sh 500
#   KEYSCAN=0 benches/fleet.sh 1000      # sshtriage only (ssh-keyscan takes minutes at large N)
#   BUILD=0 …                            # use the release binaries already built
#   (run from the crate root or anywhere; honours CARGO_TARGET_DIR)
#
# Reports the median wall time of RUNS runs (default 3) of
#   sshtriage check INVENTORY --json           (full pipeline: dns .. enable)
#   ssh-keyscan -T 5 -p PORT -f HOSTLIST       (default key types: one connection per type)
#   ssh-keyscan -T 5 -t ed25519 -p PORT -f …   (one connection per host, like sshtriage)
# plus sshtriage's peak RSS (/usr/bin/time -v), the stages devices reached, and what the
# fleet saw (connections, logins, shells) per tool. Every command is bounded by `timeout`;
# the fleet is stopped on exit. Only loopback is used.
set -euo pipefail

N=${1:-100}
RUNS=${RUNS:-3}
PORT=${PORT:-2222}
if ! [[ $N =~ ^[0-9]+$ ]] || ((N < 1 || N > 10000)); then
    echo "usage: $0 [N]   (N devices, 1..10000)" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}

# The fleet holds a listener per device plus both ends of every live probe; only raise.
WANT_FILES=$((N * 2 + 1024))
if (($(ulimit -n) < WANT_FILES)) && ! ulimit -n "$WANT_FILES" 2>/dev/null; then
    echo "warning: cannot raise the open-files limit (ulimit -n is $(ulimit -n)); N=$N may fail" >&2
fi

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing GNU time (for peak RSS)…" >&2
        timeout 300 apt-get install -y -qq time >/dev/null || true
    fi
fi
HAVE_TIME=0
[[ -x /usr/bin/time ]] && HAVE_TIME=1
HAVE_JQ=0
command -v jq >/dev/null && HAVE_JQ=1

if [[ ${BUILD:-1} != 0 ]]; then
    echo "building release binaries…" >&2
    timeout 1200 cargo build --release --examples --bins --quiet
fi

SSHTRIAGE=$TARGET_DIR/release/sshtriage
FLEET_BIN=$TARGET_DIR/release/examples/bench_fleet
WORK=$(mktemp -d /tmp/sshtriage-fleet-bench.XXXXXX)

# Secrets for the fleet, passed by environment only (the inventory names the variables).
SSHTRIAGE_BENCH_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
SSHTRIAGE_BENCH_ENABLE=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
export SSHTRIAGE_BENCH_PASSWORD SSHTRIAGE_BENCH_ENABLE

# The fleet outlives the measurements (a few minutes at N=500) but never the bounds below.
coproc FLEET { exec timeout 660 "$FLEET_BIN" --count "$N" --port "$PORT" --dir "$WORK/fleet" --max-secs 600 2>"$WORK/fleet.err"; }
# Copies: bash unsets FLEET and FLEET_PID as soon as the coprocess exits.
FLEET_IN=${FLEET[1]}
FLEET_OUT=${FLEET[0]}
FLEET_PROC=$FLEET_PID

cleanup() {
    # Closing the fleet's stdin stops it; the kill is the fallback.
    if [[ -e /proc/$$/fd/$FLEET_IN ]]; then
        exec {FLEET_IN}>&-
    fi
    for _ in $(seq 20); do
        kill -0 "$FLEET_PROC" 2>/dev/null || break
        sleep 0.1
    done
    kill "$FLEET_PROC" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Reads the fleet's announcements until READY (bounded).
while true; do
    if ! IFS= read -r -t 120 line <&"$FLEET_OUT"; then
        echo "the fleet did not come up:" >&2
        cat "$WORK/fleet.err" >&2
        exit 1
    fi
    case $line in
        inventory=*) INVENTORY=${line#inventory=} ;;
        hostlist=*) HOSTLIST=${line#hostlist=} ;;
        READY*) break ;;
    esac
done

# The fleet's summed counters, as "connections=… banners=… …".
fleet_stats() {
    echo stats >&"$FLEET_IN"
    local reply
    IFS= read -r -t 10 reply <&"$FLEET_OUT" || reply="STATS unavailable"
    echo "${reply#STATS }"
}

now_ns() { date +%s%N; }

# Runs "$@" RUNS times (each bounded), prints the median wall time in seconds.
# Output goes to $WORK/last.out; exit 1 is accepted (sshtriage: some device failed).
median_wall() {
    local times=() start end rc
    for _ in $(seq "$RUNS"); do
        start=$(now_ns)
        rc=0
        timeout ${RUN_LIMIT:-240} "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
        end=$(now_ns)
        if ((rc != 0 && rc != 1)); then
            echo "command failed (exit $rc): $*" >&2
            tail -5 "$WORK/last.err" >&2
            return 1
        fi
        times+=("$(((end - start) / 1000000))")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1000}'
}

peak_rss_kb() {
    if ((HAVE_TIME)); then
        timeout ${RUN_LIMIT:-240} /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.err" || true
        awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/time.err"
        awk -F: '/User time|System time/ {s += $2} END {printf "%.2f\n", s}' "$WORK/time.err" >"$WORK/cpu"
    else
        echo "n/a"
    fi
}

CHECK=("$SSHTRIAGE" check "$INVENTORY" --json)
# CONCURRENCY=N overrides sshtriage's default number of devices probed at once.
if [[ -n ${CONCURRENCY:-} ]]; then CHECK+=(--concurrency "$CONCURRENCY"); fi
SCAN=(ssh-keyscan -T 5 -p "$PORT" -f "$HOSTLIST")
SCAN_ONE=(ssh-keyscan -T 5 -t ed25519 -p "$PORT" -f "$HOSTLIST")

echo "N=$N devices on 127.0.x.y:$PORT, $RUNS runs each, $(nproc) CPUs" >&2

before=$(fleet_stats)
t_check=$(median_wall "${CHECK[@]}")
after_check=$(fleet_stats)
cp "$WORK/last.out" "$WORK/check.json"
if [[ ${KEYSCAN:-1} == 0 ]]; then
    t_scan=0 scanned=0 after_scan=skipped t_scan_one=0 scanned_one=0 after_scan_one=skipped
else
    t_scan=$(median_wall "${SCAN[@]}")
    scanned=$(grep -vc '^#' "$WORK/last.out" || true)
    after_scan=$(fleet_stats)
    t_scan_one=$(median_wall "${SCAN_ONE[@]}")
    scanned_one=$(grep -vc '^#' "$WORK/last.out" || true)
    after_scan_one=$(fleet_stats)
fi
rss=$(peak_rss_kb "${CHECK[@]}")

# "0.13 (the other takes 7.7x as long)"
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a > 0 && b > 0) printf "%.2f (ssh-keyscan takes %.1fx as long)", a / b, b / a
        else print "n/a" }'
}

echo
echo "== fleet check vs ssh-keyscan, N=$N (median of $RUNS) =="
printf '%-44s %8s s\n' "sshtriage check --json${CONCURRENCY:+ --concurrency $CONCURRENCY}" "$t_check"
printf '%-44s %8s s   (%s key lines)\n' "ssh-keyscan (default types)" "$t_scan" "$scanned"
printf '%-44s %8s s   (%s key lines)\n' "ssh-keyscan -t ed25519" "$t_scan_one" "$scanned_one"
echo "sshtriage / ssh-keyscan (default types):  $(ratio "$t_check" "$t_scan")"
echo "sshtriage / ssh-keyscan -t ed25519:       $(ratio "$t_check" "$t_scan_one")"
echo "sshtriage peak RSS:                       ${rss} KiB ($((rss * 1000 / N)) KiB per 1,000 devices)"
[[ -f $WORK/cpu ]] && echo "sshtriage CPU time (user+sys, one run):   $(cat "$WORK/cpu") s"
json_bytes=$(wc -c <"$WORK/check.json")
echo "sshtriage JSON output:                    $json_bytes bytes ($((json_bytes / N)) per device)"
echo "fleet counters (cumulative): start        $before"
echo "                after $RUNS x sshtriage    $after_check"
echo "                after $RUNS x keyscan      $after_scan"
echo "                after $RUNS x keyscan -t   $after_scan_one"
if ((HAVE_JQ)); then
    echo "sshtriage: furthest stage reached (count):"
    jq -r '.devices[]
           | (.reached // "none")' "$WORK/check.json" 2>/dev/null | sort | uniq -c | sed 's/^/  /' || true
    echo "sshtriage: failures (stage/reason, count):"
    jq -r '.devices[]
           | select(.failure != null) | "\(.failure.stage)/\(.failure.reason)"' "$WORK/check.json" 2>/dev/null |
        sort | uniq -c | sed 's/^/  /' | grep . || echo "  none"
fi
