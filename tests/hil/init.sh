#!/bin/busybox sh
# /init of the HIL test VM: build_vm.sh packs it, run_vm.sh boots it. busybox sh, named
# in full as no /bin/sh exists before --install.
# It loads the kernel modules, creates the pen's emulated devices on real kernel drivers,
# mounts the host's root (read-only, 9p) at /host and its run folder (read-write, 9p) at the
# same path inside it, runs the test's command chrooted into /host so host-built binaries
# find their shared libraries, then reports the command's exit code and powers off.
# Any failure here ends in HIL-EXIT=125 so the host never mistakes a broken VM for a pass.

/bin/busybox --install -s /bin
export PATH=/bin
echo # the firmware leaves the cursor at the end of its last line

say() { echo "hil-init: $*"; }

finish() { # finish EXIT_CODE: report it both ways, then power off (never return: PID 1)
  rc=$1
  if [ -n "${RUN_MOUNTED:-}" ]; then
    echo "$rc" > "/host$RUN/exit-code"
    sync
  fi
  echo "HIL-EXIT=$rc"
  # Unmount what the command may have left busy, so the 9p writes are flushed.
  umount -a -r 2>/dev/null
  poweroff -f
  sleep 10 # poweroff -f returns at once; keep PID 1 alive until the machine stops
}

fail() { say "ERROR: $*"; finish 125; }
mnt() { mount "$@" || fail "mount $*"; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
START=$(cut -d' ' -f1 /proc/uptime)
RUN=$(sed -n 's/.*hil\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$RUN" ] || fail "no hil.run= on the kernel command line"

# Modules in dependency order (build_vm.sh resolved it with modprobe --show-depends on the
# host; there is no modprobe database in here). Each line: FILE [PARAMETERS].
while read -r ko params; do
  # shellcheck disable=SC2086  # parameters are separate words on purpose
  insmod "/lib/modules/hil/$ko" $params || fail "insmod $ko $params"
done < /lib/modules/hil/load.list

mnt -t configfs none /sys/kernel/config
mnt -t tracefs none /sys/kernel/tracing

# gpio-sim: one chip labelled "dermad" with the 16 lines of the pen's board
# (hal/boards/qemu-hil.textproto maps signals to these offsets). Lines 0-9 are the
# daemon's outputs, 10-15 its inputs (the emulator pulls them via sim_gpioN/pull).
G=/sys/kernel/config/gpio-sim/dermad
mkdir "$G" "$G/bank0" || fail "gpio-sim configfs"
echo dermad > "$G/bank0/label"
echo 16 > "$G/bank0/num_lines"
i=0
for name in drive_enable motor_brake step dir stepper_enable led_r led_g led_b buzzer \
            watchdog tach trigger pedal estop home cartridge; do
  mkdir "$G/bank0/line$i"
  echo "$name" > "$G/bank0/line$i/name"
  i=$((i + 1))
done
echo 1 > "$G/live" || fail "gpio-sim live"
SIM_DEV=$(cat "$G/dev_name")          # e.g. gpio-sim.0
CHIP=$(cat "$G/bank0/chip_name")      # e.g. gpiochip0
GPIO_SIM_SYSFS=/sys/devices/platform/$SIM_DEV/$CHIP
# The global number of line 0: the gpio_value trace event names lines by it.
GPIO_BASE=
for d in /sys/class/gpio/gpiochip*; do
  [ "$(cat "$d/label")" = dermad ] && GPIO_BASE=$(cat "$d/base")
done
[ -c "/dev/$CHIP" ] || fail "/dev/$CHIP missing"

# EEPROM: the real at24 driver on the i2c-stub adapter (an SMBus bus whose chip at 0x50
# is RAM); the adapter's number is whatever the kernel gave it.
for a in /sys/bus/i2c/devices/i2c-*; do
  [ "$(cat "$a/name")" = "SMBus stub driver" ] && STUB=$a
done
[ -n "${STUB:-}" ] || fail "i2c-stub adapter missing"
echo 24c02 0x50 > "$STUB/new_device" || fail "at24 new_device"
# at24 names its nvmem device after the I2C client ("0-0050") plus a global index, 1 here
# as rtc_cmos's cmos_nvram takes 0: 0-00501. The client's legacy "eeprom" file is the same
# memory at a path that does not depend on that index.
EEPROM=/sys/bus/i2c/devices/${STUB##*/i2c-}-0050/eeprom
NVMEM=
for n in /sys/bus/nvmem/devices/"${STUB##*/i2c-}"-0050*/nvmem; do [ -f "$n" ] && NVMEM=$n; done
if [ -z "$NVMEM" ] || [ ! -f "$EEPROM" ]; then fail "at24 nvmem missing"; fi

PWMCHIP=
for p in /sys/class/pwm/pwmchip*; do
  [ "$(basename "$(readlink "$p/device")")" = dermad-pwm-sim ] && PWMCHIP=$p
done
[ -n "$PWMCHIP" ] || fail "dermad-pwm-sim pwmchip missing"
IIO=
for d in /sys/bus/iio/devices/iio:device*; do
  [ "$(cat "$d/name")" = dermad-adc-sim ] && IIO=$d
done
[ -n "$IIO" ] || fail "dermad-adc-sim iio device missing"

# Every line value the daemon sets, with a kernel timestamp, for the emulator to count
# step pulses it could never poll fast enough. Reads fire the same event ("get"); the
# daemon polls its inputs every tick, so they are filtered out to keep the buffer for sets.
EV=/sys/kernel/tracing/events/gpio/gpio_value
echo 'get == 0' > "$EV/filter" || fail "gpio_value filter"
echo 1 > "$EV/enable" || fail "gpio_value tracepoint"

# No network card, but gRPC over 127.0.0.1 needs the loopback up.
ip link set lo up || fail "loopback"

# The host's root: the command's binaries and their shared libraries as built. The 9p
# share is read-only (cache=loose: nothing on it changes while the VM runs, and it makes
# exec and reads fast); an overlay with a tmpfs on top makes it writable inside the VM
# (a daemon may write to /var/lib, /tmp, ...), while the host's files stay untouched and
# everything of the host stays visible, /tmp included. Such writes vanish at power-off.
mkdir -p /lower /upper /host
mnt -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower
mnt -t tmpfs tmpfs /upper
mkdir -p /upper/data /upper/work
mnt -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /host
# Fresh kernel filesystems inside the chroot (the 9p view of the host's are the host's).
mnt -t proc proc /host/proc
mnt -t sysfs sys /host/sys
mnt -t configfs none /host/sys/kernel/config
mnt -t tracefs none /host/sys/kernel/tracing
mount -t debugfs none /host/sys/kernel/debug 2>/dev/null # for debugging by hand (gpio)
mnt -t devtmpfs dev /host/dev
# What udev would add: bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd /host/dev/fd
ln -sf /proc/self/fd/0 /host/dev/stdin
ln -sf /proc/self/fd/1 /host/dev/stdout
ln -sf /proc/self/fd/2 /host/dev/stderr
mkdir -p /host/dev/pts /host/dev/shm
mnt -t devpts devpts /host/dev/pts
mnt -t tmpfs tmpfs /host/dev/shm
mnt -t tmpfs tmpfs /host/run # as on a booted system: empty, for sockets and pid files
# The run folder, read-write and uncached, at the same path as on the host.
mkdir -p "/host$RUN"
mnt -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hostrun "/host$RUN"
RUN_MOUNTED=1

BOOT_S=$(cut -d' ' -f1 /proc/uptime)
# What a test needs to find each resource, for the command (environment) and the host.
cat > "/host$RUN/hil.env" <<ENV
HIL_GPIOCHIP=/dev/$CHIP
HIL_GPIOCHIP_LABEL=dermad
HIL_GPIO_BASE=$GPIO_BASE
HIL_GPIO_SIM_SYSFS=$GPIO_SIM_SYSFS
HIL_PWMCHIP=$PWMCHIP
HIL_IIO_DEVICE=$IIO
HIL_NVMEM=$NVMEM
HIL_EEPROM=$EEPROM
HIL_TRACE=/sys/kernel/tracing
HIL_RUN=$RUN
HIL_BOOT_S=$BOOT_S
ENV
say "devices ready at ${BOOT_S}s (init started at ${START}s): $CHIP $PWMCHIP $IIO $NVMEM"

# The command, as run_vm.sh wrote it, under the host's bash with a plain environment.
# shellcheck disable=SC2016  # $1 is expanded by that inner bash
chroot /host /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 TERM=dumb \
  /bin/bash -c 'set -a; . "$1/hil.env"; set +a; exec /bin/bash "$1/command.sh"' hil "$RUN" \
  < /dev/console > /dev/console 2>&1
rc=$?
say "command exited $rc at $(cut -d' ' -f1 /proc/uptime)s"
finish "$rc"
