#!/usr/bin/env bash
# Time to first frame of `sshtriage demo` (issue 4) and of `sshtriage view` on a saved run
# of 1,000 devices (issue 16): start each in a detached 120x40 tmux session, poll the pane
# every 10 ms until the dashboard's header (a line containing "sshtriage") appears, report
# the median of RUNS (default 5) starts. The saved run is the demo's `check --json`
# repeated to 1,000 devices (examples/replicate_run.rs).
#
#   benches/first_frame.sh
#   RUNS=9 benches/first_frame.sh
#
# The same measurement of a command that prints "sshtriage" at once is reported as the
# baseline: tmux start-up plus polling granularity, to subtract mentally. A private tmux
# socket is used, so no other tmux session is touched; every wait is bounded.
set -euo pipefail

RUNS=${RUNS:-5}
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
SOCKET="sshtriage-ff-$$"
WORK=$(mktemp -d /tmp/sshtriage-first-frame.XXXXXX)

cleanup() {
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building release binaries…" >&2
# Same target set as fleet.sh, so the two scripts share build artifacts.
timeout 1200 cargo build --release --examples --bins --quiet
BIN=$TARGET_DIR/release/sshtriage

if ! timeout 10 "$BIN" demo --help >/dev/null 2>&1; then
    echo "sshtriage has no demo command: nothing to measure" >&2
    exit 3
fi

# Times are read from $EPOCHREALTIME (bash 5, microseconds) to avoid forking `date`.

# Starts `$1` (a shell command) in a fresh session; prints ms until "sshtriage" shows in
# the pane's top three lines, or fails (with the command's stderr) if it never does.
first_frame_ms() {
    local command=$1 run=$2 session="ff$2" start deadline pane
    printf '%s\n' "$command" >"$WORK/run.$run.sh"
    start=${EPOCHREALTIME/[.,]/}
    deadline=$((start + 15000000))
    tmux -L "$SOCKET" new-session -d -s "$session" -x 120 -y 40 \
        "exec timeout --foreground 60 sh $WORK/run.$run.sh 2>$WORK/stderr.$run"
    while ((${EPOCHREALTIME/[.,]/} < deadline)); do
        if ! pane=$(tmux -L "$SOCKET" capture-pane -p -t "$session" 2>/dev/null); then
            echo "run $run: the program exited before its first frame:" >&2
            cat "$WORK/stderr.$run" >&2
            return 1
        fi
        # The header is within the top three lines.
        if [[ $(printf '%s\n' "$pane" | head -3) == *sshtriage* ]]; then
            echo $(((${EPOCHREALTIME/[.,]/} - start) / 1000))
            tmux -L "$SOCKET" kill-session -t "$session" 2>/dev/null || true
            return 0
        fi
        sleep 0.01
    done
    echo "run $run: no header within 15 s; the pane shows:" >&2
    tmux -L "$SOCKET" capture-pane -p -t "$session" >&2 || true
    cat "$WORK/stderr.$run" >&2
    return 1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() {
    local label=$1 command=$2 times=() ms
    for i in $(seq "$RUNS"); do
        ms=$(first_frame_ms "$command" "$label$i") || exit 1
        times+=("$ms")
        # Let the demo's fleet release its loopback ports before the next start.
        sleep 0.5
    done
    echo "$label: median $(printf '%s\n' "${times[@]}" | median) ms  (runs: ${times[*]} ms)"
}

# An idle session keeps the private tmux server up, so runs do not pay for its start.
tmux -L "$SOCKET" new-session -d -s keep -x 120 -y 40 "exec sleep 600"

echo "== time to first frame, 120x40 tmux, $RUNS runs =="
measure baseline "printf 'sshtriage\\n'; sleep 5"
measure demo "exec $BIN demo"

# A saved run of 1,000 devices: the demo fleet's thirteen stories, repeated.
timeout 120 "$BIN" demo --check --json >"$WORK/demo.json" || [[ $? == 1 ]]
timeout 60 "$TARGET_DIR/release/examples/replicate_run" "$WORK/demo.json" 1000 >"$WORK/run-1000.json"
echo "saved run: 1000 devices, $(($(stat -c %s "$WORK/run-1000.json") / 1024)) KiB"
measure view "exec $BIN view $WORK/run-1000.json"
