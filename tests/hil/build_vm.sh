#!/bin/bash
# Builds what the HIL test VM boots: the test's kernel modules (tests/hil/kmod) against
# Debian's installed kernel, and an initramfs with busybox, those modules, the modules they
# need from the linux-image package, and init.sh as /init. The kernel itself is Debian's
# own vmlinuz, used as installed.
#
#   tests/hil/build_vm.sh OUTDIR        (e.g. build/hil; run it again at will: it is cheap)
#
# Writes OUTDIR/kmod/ (module build), OUTDIR/initramfs.cpio, OUTDIR/kernel-version.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
say() { echo "build_vm: $*"; }

# --- What the host must have, by Debian package -------------------------------------------
PATH=$PATH:/usr/sbin:/sbin # modprobe lives there; a non-root PATH may lack it
missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd cpio cpio
need_cmd modprobe kmod
need_cmd xz xz-utils
need_cmd make make
need_cmd gcc gcc
need_cmd gpiodetect gpiod # the smoke check's GPIO tools (libgpiod 1.6)
# The initramfs has no libc: busybox must be the static build.
dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q 'ok installed' ||
  missing+=(busybox-static)
[ -f /usr/src/linux-source-6.1.tar.xz ] || missing+=(linux-source-6.1)

# The kernel: the newest linux-headers-*-amd64 whose linux-image (vmlinuz + modules) is
# installed too. The host may be running another kernel: uname -r is no guide here.
KVER=
for d in $(printf '%s\n' /usr/src/linux-headers-*-amd64 | sort -V -r); do
  v=${d#/usr/src/linux-headers-}
  if [ -f "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ]; then KVER=$v; break; fi
done
[ -n "$KVER" ] || missing+=(linux-image-amd64 linux-headers-amd64)

if [ ${#missing[@]} -gt 0 ]; then
  echo "build_vm: missing Debian packages: ${missing[*]}" >&2
  echo "build_vm: install them with: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
say "kernel $KVER (/boot/vmlinuz-$KVER)"
echo "$KVER" > "$OUT/kernel-version"

# --- Our modules, gpio-sim and irq_sim ----------------------------------------------------
# Built in a copy under OUTDIR so the checkout stays clean; files are copied only when they
# changed so make stays incremental (the source extraction runs once per OUTDIR).
mkdir -p "$OUT/kmod"
for f in "$HERE"/kmod/Makefile "$HERE"/kmod/*.c; do
  cmp -s "$f" "$OUT/kmod/${f##*/}" || cp "$f" "$OUT/kmod/"
done
say "building modules in $OUT/kmod"
nice -n 10 make -s -C "$OUT/kmod" KVER="$KVER" > "$OUT/kmod/build.log" 2>&1 ||
  { cat "$OUT/kmod/build.log" >&2; echo "build_vm: module build failed" >&2; exit 1; }
grep -i 'warning' "$OUT/kmod/build.log" | grep -v 'Skipping BTF' >&2 || true

# --- The initramfs ------------------------------------------------------------------------
ROOT="$OUT/initramfs"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,dev,proc,sys,host,lib/modules/hil}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$HERE/init.sh" "$ROOT/init"
chmod 755 "$ROOT/init"

# Modules from Debian's package, in load order with their dependencies first, as modprobe
# would load them (busybox has no modprobe database to use): configfs for gpio-sim,
# industrialio for the ADC, i2c-stub + at24 for the EEPROM, 9p over virtio-pci for the
# host's files, overlay to make them writable in the VM.
LIST="$ROOT/lib/modules/hil/load.list"
: > "$LIST"
declare -A seen=()
for m in configfs industrialio i2c-stub at24 virtio_pci 9pnet_virtio 9p overlay; do
  while read -r kind path _; do
    [ "$kind" = insmod ] || continue # "builtin X": nothing to load
    name=${path##*/}
    name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
    [ -z "${seen[$name]:-}" ] || continue
    seen[$name]=1
    case $path in # Debian ships .ko today; decompress if a later package compresses them
      *.xz) xz -dc "$path" > "$ROOT/lib/modules/hil/$name" ;;
      *.zst) zstd -qdc "$path" > "$ROOT/lib/modules/hil/$name" ;;
      *.gz) gzip -dc "$path" > "$ROOT/lib/modules/hil/$name" ;;
      *) cp "$path" "$ROOT/lib/modules/hil/$name" ;;
    esac
    params=
    # One emulated SMBus chip at 0x50: the cartridge EEPROM's address.
    [ "$name" = i2c-stub.ko ] && params="chip_addr=0x50"
    echo "$name $params" >> "$LIST"
  done < <(modprobe -S "$KVER" --show-depends "$m")
done
# Ours last: irq_sim before gpio-sim (its only user), the ADC after industrialio.
for name in irq_sim.ko gpio-sim.ko dermad_pwm_sim.ko dermad_adc_sim.ko; do
  cp "$OUT/kmod/$name" "$ROOT/lib/modules/hil/"
  echo "$name" >> "$LIST"
done
say "modules: $(cut -d' ' -f1 "$LIST" | tr '\n' ' ')"

# Uncompressed: the kernel unpacks it faster under emulation than it would inflate gzip.
(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) \
  > "$OUT/initramfs.cpio.tmp"
mv "$OUT/initramfs.cpio.tmp" "$OUT/initramfs.cpio"
say "initramfs $OUT/initramfs.cpio ($(du -h "$OUT/initramfs.cpio" | cut -f1))"
