#!/bin/bash
# The loop's lateness on the real backend in the HIL VM, side by side with cyclictest
# (docs/PERFORMANCE.md, "Loop timing in the HIL VM"). Runs inside the VM:
#
#   tests/hil/run_vm.sh build/hil -- tests/hil/loop_timing.sh BUILD [BENCH ARGS...]
#
# Starts the plant emulator (so dermad homes on the home-switch line), then
# loop_timing_bench --board hal/boards/qemu-hil.textproto with BENCH ARGS; the JSON goes to
# stdout and to $HIL_RUN/loop_timing.json, the plant's and the bench's logs beside it.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD [loop_timing_bench ARGS...]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
shift
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${HIL_RUN:?run this inside the HIL VM (tests/hil/run_vm.sh)}
FIFO=/run/hil-plant.ctl

"$BUILD/tests/hil/plant/hil_plant" --report "$RUN/plant.json" --control "$FIFO" --no-noise \
  > "$RUN/plant.log" 2>&1 &
plant=$!
trap 'kill $plant 2>/dev/null; wait $plant 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -p "$FIFO" ] && [ -f "$RUN/plant.json" ] && break
  sleep 0.05
done
kill -0 $plant 2>/dev/null || { echo "loop_timing: the plant emulator did not start:" >&2; cat "$RUN/plant.log" >&2; exit 1; }

"$BUILD/tests/bench/loop_timing_bench" --board "$SRC/hal/boards/qemu-hil.textproto" "$@" \
  > "$RUN/loop_timing.json" 2> "$RUN/loop_timing.log" || rc=$?
cat "$RUN/loop_timing.log" >&2
cat "$RUN/loop_timing.json"
exit "${rc:-0}"
