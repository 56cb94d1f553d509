#!/usr/bin/env bash
# Time to enable, sshtriage vs Netmiko (issue 13, item 6): one simulated IOS device on
# loopback (examples/bench_fleet.rs --count 1: password login, then `enable` with a secret),
# both tools run RUNS times back to back on the same machine, each as a whole process.
#
#   SSHTRIAGE_TEST_NETMIKO_PYTHON=/path/to/venv/bin/python benches/to_enable.sh [RUNS]
#   PORT=2298 benches/to_enable.sh 21
#   (run from the crate root or anywhere; honours CARGO_TARGET_DIR)
#
# Reports the median wall time of
#   sshtriage check INVENTORY --json        (dns .. enable, exit when done)
#   python to_enable.py                      (Netmiko defaults: ConnectHandler(device_type=
#                                             "cisco_ios", …), .enable(), .disconnect())
#   python -c "import netmiko"               (interpreter start and the import alone)
# plus sshtriage's own probe time (its JSON's elapsed_ms), from inside the Netmiko script the
# median import time and the median time from ConnectHandler to a privileged prompt, and the
# ratios Netmiko / sshtriage. Every command is
# bounded by `timeout`; the device stops on exit. Only loopback is used.
set -euo pipefail

RUNS=${1:-11}
PORT=${PORT:-2297}
if ! [[ $RUNS =~ ^[0-9]+$ ]] || ((RUNS < 1 || RUNS > 500)); then
    echo "usage: $0 [RUNS]   (1..500, default 11)" >&2
    exit 2
fi
PY=${SSHTRIAGE_TEST_NETMIKO_PYTHON:-}
if [[ -z $PY || ! -x $PY ]] || ! timeout 60 "$PY" -c 'import netmiko' 2>/dev/null; then
    echo "set SSHTRIAGE_TEST_NETMIKO_PYTHON to a Python that imports netmiko" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}

echo "building release binaries…" >&2
timeout 1800 cargo build --release --example bench_fleet --bin sshtriage --quiet

SSHTRIAGE=$TARGET_DIR/release/sshtriage
DEVICE_BIN=$TARGET_DIR/release/examples/bench_fleet
WORK=$(mktemp -d /tmp/sshtriage-to-enable.XXXXXX)

# Secrets by environment only (the inventory and the script name the variables).
SSHTRIAGE_BENCH_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
SSHTRIAGE_BENCH_ENABLE=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
export SSHTRIAGE_BENCH_PASSWORD SSHTRIAGE_BENCH_ENABLE

coproc DEVICE { exec timeout 900 "$DEVICE_BIN" --count 1 --port "$PORT" --dir "$WORK/device" --max-secs 840 2>"$WORK/device.err"; }
DEVICE_IN=${DEVICE[1]}
DEVICE_OUT=${DEVICE[0]}
DEVICE_PROC=$DEVICE_PID

cleanup() {
    # Closing the device's stdin stops it; the kill is the fallback.
    if [[ -e /proc/$$/fd/$DEVICE_IN ]]; then
        exec {DEVICE_IN}>&-
    fi
    for _ in $(seq 20); do
        kill -0 "$DEVICE_PROC" 2>/dev/null || break
        sleep 0.1
    done
    kill "$DEVICE_PROC" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

while true; do
    if ! IFS= read -r -t 120 line <&"$DEVICE_OUT"; then
        echo "the simulated device did not come up:" >&2
        cat "$WORK/device.err" >&2
        exit 1
    fi
    case $line in
        inventory=*) INVENTORY=${line#inventory=} ;;
        READY*) break ;;
    esac
done
HOST=127.0.1.1 # bench_fleet's first address

cat >"$WORK/to_enable.py" <<'PY'
import os, sys, time
t0 = time.perf_counter()
from netmiko import ConnectHandler
t1 = time.perf_counter()
conn = ConnectHandler(
    device_type="cisco_ios",
    host=sys.argv[1],
    port=int(sys.argv[2]),
    username="admin",
    password=os.environ["SSHTRIAGE_BENCH_PASSWORD"],
    secret=os.environ["SSHTRIAGE_BENCH_ENABLE"],
)
conn.enable()
prompt = conn.find_prompt()
t2 = time.perf_counter()
conn.disconnect()
if not prompt.endswith("#"):
    sys.exit(f"not privileged: {prompt!r}")
print(f"import={t1 - t0:.4f} enable={t2 - t1:.4f} prompt={prompt}")
PY

now_ns() { date +%s%N; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.3f\n", a[int((NR+1)/2)]; else print "n/a"}'; }

# Runs "$@" RUNS times (each bounded), each run's stdout in $WORK/runs/N.out; prints the
# median wall time in seconds. Any failure stops the bench.
median_wall() {
    local times=() start end i
    rm -rf "$WORK/runs" && mkdir "$WORK/runs"
    for i in $(seq "$RUNS"); do
        start=$(now_ns)
        if ! timeout 120 "$@" >"$WORK/runs/$i.out" 2>"$WORK/last.err"; then
            echo "command failed: $*" >&2
            tail -5 "$WORK/last.err" >&2
            return 1
        fi
        end=$(now_ns)
        times+=("$(((end - start) / 1000))")
    done
    printf '%s\n' "${times[@]}" | awk '{print $1 / 1e6}' | median
}

CHECK=("$SSHTRIAGE" check "$INVENTORY" --json)
NETMIKO=("$PY" "$WORK/to_enable.py" "$HOST" "$PORT")
IMPORT=("$PY" -c "import netmiko")

echo "one simulated IOS device on $HOST:$PORT, $RUNS runs each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# One unmeasured run each warms the page cache (binary, Python modules).
timeout 120 "${CHECK[@]}" >/dev/null 2>&1
timeout 120 "${NETMIKO[@]}" >/dev/null 2>&1

t_check=$(median_wall "${CHECK[@]}")
# The probe's own time (dns .. enable) and how far it got, from each run's JSON.
in_probe=$(timeout 60 "$PY" -c '
import json, sys
for path in sys.argv[1:]:
    for d in json.load(open(path))["devices"]:
        print(d["elapsed_ms"] / 1000, d.get("reached"))
' "$WORK"/runs/*.out >"$WORK/probe.txt" && cut -d' ' -f1 "$WORK/probe.txt" | median)
reached=$(cut -d' ' -f2 "$WORK/probe.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
t_netmiko=$(median_wall "${NETMIKO[@]}")
cat "$WORK"/runs/*.out >"$WORK/netmiko.txt"
in_import=$(grep -o 'import=[0-9.]*' "$WORK/netmiko.txt" | cut -d= -f2 | median)
in_enable=$(grep -o 'enable=[0-9.]*' "$WORK/netmiko.txt" | cut -d= -f2 | median)
prompt=$(grep -o 'prompt=.*' "$WORK/netmiko.txt" | sort -u | tr '\n' ' ')
t_import=$(median_wall "${IMPORT[@]}")

echo
echo "== time to enable, one simulated IOS device (median of $RUNS whole-process runs) =="
printf '%-52s %8s s   (reached:%s)\n' "sshtriage check --json (dns .. enable)" "$t_check" "${reached:- ?}"
printf '%-52s %8s s\n' "  of which the probe, dns .. enable (its JSON)" "$in_probe"
printf '%-52s %8s s   (%s)\n' "Netmiko ConnectHandler(cisco_ios) + enable()" "$t_netmiko" "$prompt"
printf '%-52s %8s s\n' "  of which import netmiko (in the script)" "$in_import"
printf '%-52s %8s s\n' "  of which connect .. privileged prompt (in script)" "$in_enable"
printf '%-52s %8s s\n' "python -c 'import netmiko' (whole process)" "$t_import"
awk -v a="$t_netmiko" -v b="$t_check" -v c="$in_enable" -v d="$in_probe" 'BEGIN {
    if (a > 0 && b > 0) printf "Netmiko / sshtriage, whole process:              %.1fx\n", a / b
    if (c > 0 && d > 0) printf "Netmiko connect..enable / sshtriage probe:       %.1fx\n", c / d }'
echo "(sshtriage's whole process minus its probe is start-up: reading sources and asking"
echo " ssh -V and python3 which Paramiko/Netmiko are installed, before probing.)"
