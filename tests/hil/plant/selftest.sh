#!/bin/bash
# The plant emulator's self-test, run as the HIL VM's command from the repository's root:
#
#   tests/hil/run_vm.sh build/hil -- tests/hil/plant/selftest.sh [PLANT_BINARY [PLANT_OPTION...]]
#
# Starts hil_plant (default: the CMake build's, else build/hil/plant-dev's), plays a crude
# controller against it through the kernel's interfaces (selftest.py), stops it with SIGTERM
# and checks it exits 0. Leaves plant.json, plant.log and the tach edge log in $HIL_RUN.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

PLANT=${1:-}
shift || true
if [ -z "$PLANT" ]; then
  for p in build/tests/hil/plant/hil_plant build/hil/plant-dev/hil_plant; do
    [ -x "$p" ] && { PLANT=$p; break; }
  done
fi
[ -x "$PLANT" ] || { echo "selftest: no hil_plant binary (give its path)" >&2; exit 2; }

export PLANT_REPORT=$HIL_RUN/plant.json PLANT_CONTROL=/run/hil-plant.ctl
export PLANT_EDGES=/run/hil-plant-edges.log # tmpfs: the 9p share is slow for a stream
"$PLANT" --report "$PLANT_REPORT" --control "$PLANT_CONTROL" --edge-log "$PLANT_EDGES" "$@" \
  > "$HIL_RUN/plant.log" 2>&1 &
pid=$!
for _ in $(seq 100); do # up to 10 s for the first report
  [ -p "$PLANT_CONTROL" ] && grep -q truth "$PLANT_REPORT" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$pid" 2>/dev/null; then
  echo "selftest: hil_plant did not start:"
  cat "$HIL_RUN/plant.log"
  exit 1
fi

python3 "$HERE/selftest.py"
rc=$?

kill -TERM "$pid"
wait "$pid"
plant_rc=$?
cp "$PLANT_EDGES" "$HIL_RUN/" 2>/dev/null
echo "selftest: hil_plant's output:"
sed 's/^/  /' "$HIL_RUN/plant.log"
if [ "$plant_rc" -ne 0 ]; then
  echo "selftest: FAIL hil_plant exited $plant_rc on SIGTERM"
  rc=1
fi
exit "$rc"
