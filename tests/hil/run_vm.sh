#!/bin/bash
# Boots Debian's kernel with the HIL initramfs (tests/hil/build_vm.sh) under QEMU, software
# emulated, and runs COMMAND inside the VM, chrooted into the host's root filesystem (shared
# read-only over 9p), so host-built binaries run as they are. Exits with COMMAND's exit code.
#
#   tests/hil/run_vm.sh OUTDIR -- COMMAND [ARG...]
#
# The command starts in the caller's working directory (same path in the VM) with the
# resources' paths in its environment (HIL_GPIOCHIP, HIL_PWMCHIP, ... see init.sh), also
# written to OUTDIR/run/hil.env. OUTDIR/run is shared read-write and emptied on each run:
# the command leaves its logs and results there for the host to read.
#
# Environment: HIL_TIMEOUT (s, default 300), HIL_MEM (MiB, 1024), HIL_SMP (vCPUs, 1),
# HIL_ICOUNT (QEMU's -icount: virtual time), HIL_NICE (qemu's niceness, 10),
# HIL_RUN_DIR (the shared folder, default OUTDIR/run).
# Exit codes besides COMMAND's own: 124 the VM timed out, 125 the VM failed before or
# around the command (its console says why), 2 usage.
set -euo pipefail

if [ $# -lt 3 ] || [ "$2" != -- ]; then
  echo "usage: $0 OUTDIR -- COMMAND [ARG...]" >&2
  exit 2
fi
OUT=$1
shift 2
if [ ! -f "$OUT/initramfs.cpio" ] || [ ! -f "$OUT/kernel-version" ]; then
  echo "run_vm: $OUT has no VM: run tests/hil/build_vm.sh $OUT first" >&2
  exit 2
fi
OUT=$(cd "$OUT" && pwd)
KVER=$(cat "$OUT/kernel-version")

RUN=${HIL_RUN_DIR:-$OUT/run}
case $RUN in # it goes on the kernel command line and in QEMU's comma-separated options
  /*[[:space:],]* | [!/]*) echo "run_vm: '$RUN' must be an absolute path without spaces or commas" >&2; exit 2 ;;
esac
rm -rf "$RUN"
mkdir -p "$RUN"

# The command as a bash script: quoted word for word, run where the caller stands.
{
  printf 'cd %q || exit 125\n' "$PWD"
  printf '%q ' "$@"
  printf '\n'
} > "$RUN/command.sh"

TIMEOUT=${HIL_TIMEOUT:-300}
start=$(date +%s%N)
set +e
# -cpu max: every CPU feature TCG emulates (host binaries may use them), RDRAND included,
# so the kernel's random pool is ready at once (a getrandom() never blocks boot-time gRPC).
# multidevs=remap: / spans several host filesystems; without it inode numbers could clash.
# quiet: kernel messages over the emulated serial port cost boot time.
# sed: CRLF from the serial console and the firmware's terminal escapes, out of CI logs.
# HIL_ICOUNT (e.g. shift=3,sleep=off): the guest's clock follows the instructions it runs, not
# the host's clock, so a host that is slow or busy shows as a slower CPU, not as a stalled one.
ICOUNT=()
[ -n "${HIL_ICOUNT:-}" ] && ICOUNT=(-icount "$HIL_ICOUNT")
timeout -k 10 "$TIMEOUT" nice -n "${HIL_NICE:-10}" qemu-system-x86_64 \
  -accel tcg -cpu max -m "${HIL_MEM:-1024}" -smp "${HIL_SMP:-1}" "${ICOUNT[@]}" \
  -nographic -no-reboot -nic none \
  -kernel "/boot/vmlinuz-$KVER" -initrd "$OUT/initramfs.cpio" \
  -append "console=ttyS0 quiet panic=-1 tsc=reliable hil.run=$RUN" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RUN,mount_tag=hostrun,security_model=none,multidevs=remap" \
  < /dev/null 2>&1 | sed -u -e 's/\r$//' -e 's/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g'
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(( ($(date +%s%N) - start) / 1000000 )) # ms

if [ "$qemu_rc" -eq 124 ]; then
  echo "run_vm: the VM did not finish within ${TIMEOUT}s; stopped it" >&2
  exit 124
fi
if [ ! -s "$RUN/exit-code" ]; then
  echo "run_vm: the VM ended (qemu exit $qemu_rc) without the command's exit code; see its console above" >&2
  exit 125
fi
rc=$(cat "$RUN/exit-code")
echo "run_vm: command exit $rc, VM $((elapsed / 1000)).$((elapsed % 1000 / 100))s in all"
exit "$rc"
