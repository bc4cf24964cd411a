#!/bin/bash
# Smoke check of the HIL VM: every kernel interface the Linux backend of dermad and the plant
# emulator use, found the way they will find them (by label and name, not by number), driven
# from user space and read back. Runs inside the VM:
#
#   tests/hil/run_vm.sh build/hil -- tests/hil/smoke.sh
#
# Prints what it measured and closes with "smoke: N passed, N failed"; exits 1 on a failure.
set -euo pipefail

pass=0 failed=0
ok() { pass=$((pass + 1)); echo "smoke: PASS $*"; }
bad() { failed=$((failed + 1)); echo "smoke: FAIL $*"; }
check() { # check NAME EXPECTED ACTUAL [DETAIL]
  if [ "$2" = "$3" ]; then ok "$1${4:+: $4}"; else bad "$1: expected '$2', got '$3'"; fi
}
now() { cut -d' ' -f1 /proc/uptime; }
T=/sys/kernel/tracing
echo "smoke: started at ${HIL_BOOT_S:-?}s after boot (devices ready), now $(now)s"

# --- GPIO: the gpio-sim chip, found by its label over the character device ---------------
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[dermad\] (16 lines)$/\1/p')
check "gpiochip labelled dermad with 16 lines" "${HIL_GPIOCHIP#/dev/}" "$chip" "/dev/$chip"
names=(drive_enable motor_brake step dir stepper_enable led_r led_g led_b buzzer
       watchdog tach trigger pedal estop home cartridge)
got=$(gpioinfo "$chip" | sed -n 's/^[[:space:]]*line[[:space:]]*[0-9]*:[[:space:]]*"\([^"]*\)".*/\1/p' | tr '\n' ' ')
check "line names 0..15" "${names[*]} " "$got"
# gpiofind resolves a name to chip + offset: how a program can look lines up by name.
check "gpiofind estop" "$chip 13" "$(gpiofind estop)"

# Inputs: the emulator drives a line by its simulated pull; the daemon reads the chardev.
sim=$HIL_GPIO_SIM_SYSFS
in_ok=1
for off in 10 11 12 13 14 15; do
  echo pull-up > "$sim/sim_gpio$off/pull"
  up=$(gpioget "$chip" "$off")
  echo pull-down > "$sim/sim_gpio$off/pull"
  down=$(gpioget "$chip" "$off")
  [ "$up$down" = 10 ] || { in_ok=0; bad "input $off: pull-up read $up, pull-down read $down"; }
done
[ $in_ok = 1 ] && ok "inputs 10..15 follow sim_gpioN/pull through the chardev (1 then 0)"

# Edge events, as the daemon counts tachometer edges: gpio-sim raises them through irq_sim,
# the module whose interrupt handler build_vm.sh's sed edit changed.
events_file=$HIL_RUN/smoke-gpiomon.txt
timeout 10 gpiomon --num-events=3 --rising-edge "$chip" 10 > "$events_file" & mon=$!
sleep 0.5 # let gpiomon request the line before the first edge
for _ in 1 2 3; do
  echo pull-up > "$sim/sim_gpio10/pull"
  echo pull-down > "$sim/sim_gpio10/pull"
done
wait "$mon" || true
check "3 rising edges on line 10 (tach) as chardev events" 3 "$(grep -c RISING "$events_file" || true)" \
  "$(head -n1 "$events_file")"

# Outputs: the daemon sets a line; the emulator reads sim_gpioN/value and the trace.
: > "$T/trace" # empty the buffer, so the count below is this test's alone
gpioset --mode=signal "$chip" 2=1 & holder=$!
sleep 0.5
held=$(cat "$sim/sim_gpio2/value")
kill "$holder"; wait "$holder" 2>/dev/null || true
check "output 2 (step) set through the chardev, read in sysfs" 1 "$held"
for v in 0 1 0 1 0; do gpioset "$chip" 2=$v; done
gpioget "$chip" 11 >/dev/null # a read: filtered out of the trace by init.sh
gnum=$((HIL_GPIO_BASE + 2))
check "no gpio_value 'get' events (filtered)" 0 "$(grep -c 'gpio_value: [0-9]* get' "$T/trace" || true)"
events=$(grep -c "gpio_value: $gnum set" "$T/trace" || true)
check "gpio_value trace events for line 2 (global number $gnum)" 6 "$events" \
  "$(grep -m1 "gpio_value: $gnum set" "$T/trace" | sed 's/^ *//')"

# A pulse train as the stepper code will make it: 1000 pulses through one line handle
# (GPIO v1 ABI ioctls), counted in the trace as the emulator will count steps: one
# "set 1" event per rising edge (the request itself adds a "set 0", its default value).
: > "$T/trace"
rate=$(python3 - "/dev/$chip" <<'PY'
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
# struct gpiohandle_request: lineoffsets[64] u32, flags u32, default_values[64] u8,
# consumer_label[32], lines u32, fd int -> 364 bytes; GPIO_GET_LINEHANDLE_IOCTL = _IOWR(0xB4, 3)
req = bytearray(struct.pack("64I I 64B 32s I i", *([2] + [0] * 63), 1 << 1, *([0] * 64),
                            b"smoke", 1, 0))
fcntl.ioctl(fd, (3 << 30) | (len(req) << 16) | (0xB4 << 8) | 3, req)
line = struct.unpack_from("i", req, len(req) - 4)[0]
set_ioctl = (3 << 30) | (64 << 16) | (0xB4 << 8) | 9  # GPIOHANDLE_SET_LINE_VALUES_IOCTL
hi, lo = bytes([1] + [0] * 63), bytes(64)
t = time.monotonic()
for _ in range(1000):
    fcntl.ioctl(line, set_ioctl, hi)
    fcntl.ioctl(line, set_ioctl, lo)
print(f"{2000 / (time.monotonic() - t):.0f}")
PY
)
rising=$(grep -c "gpio_value: $gnum set 1" "$T/trace" || true)
check "1000 rising edges of a 1000-pulse train in the trace" 1000 "$rising" "${rate} edges/s from python"

# --- PWM: the chip whose device is dermad-pwm-sim ----------------------------------------
pwmchip=
for p in /sys/class/pwm/pwmchip*; do
  [ "$(basename "$(readlink -f "$p/device")")" = dermad-pwm-sim ] && pwmchip=$p
done
check "pwmchip of dermad-pwm-sim" "$HIL_PWMCHIP" "$pwmchip" "$pwmchip, npwm $(cat "$pwmchip/npwm")"
echo 0 > "$pwmchip/export"
ch=$pwmchip/pwm0
echo 50000 > "$ch/period"
echo 20000 > "$ch/duty_cycle"
echo inversed > "$ch/polarity"
echo normal > "$ch/polarity"
echo 1 > "$ch/enable"
check "pwm0 period/duty/polarity/enable round trip" "50000 20000 normal 1" \
  "$(cat "$ch/period") $(cat "$ch/duty_cycle") $(cat "$ch/polarity") $(cat "$ch/enable")"
if echo 60000 > "$ch/duty_cycle" 2>/dev/null; then bad "duty above period accepted"
else ok "duty above period refused (EINVAL), as by real hardware"; fi
echo 0 > "$ch/enable"
echo 0 > "$pwmchip/unexport"

# --- ADC: the IIO device named dermad-adc-sim ----------------------------------------------
iio=
for d in /sys/bus/iio/devices/iio:device*; do
  [ "$(cat "$d/name")" = dermad-adc-sim ] && iio=$d
done
check "iio device named dermad-adc-sim" "$HIL_IIO_DEVICE" "$iio" "$iio"
adc_ok=1
for i in 0 1 2 3 4; do
  v=$((1000 + i * 617))
  echo "$v" > "$iio/in_voltage${i}_raw"
  r=$(cat "$iio/in_voltage${i}_raw")
  [ "$r" = "$v" ] || { adc_ok=0; bad "in_voltage${i}_raw wrote $v, read $r"; }
done
[ $adc_ok = 1 ] && ok "in_voltage0..4_raw written then read back (scale $(cat "$iio/in_voltage_scale") mV)"
if echo 4096 > "$iio/in_voltage0_raw" 2>/dev/null; then bad "4096 accepted by a 12-bit channel"
else ok "4096 refused by a 12-bit channel"; fi
echo -40 > "$iio/in_voltage1_offset"
echo 400 > "$iio/in_temp0_raw"
check "offset and temperature channel" "-40 400 62.500000" \
  "$(cat "$iio/in_voltage1_offset") $(cat "$iio/in_temp0_raw") $(cat "$iio/in_temp_scale")"

# --- EEPROM: at24 (24c02) on i2c-stub, 256 bytes through nvmem ----------------------------
data=$HIL_RUN/smoke-eeprom.bin
head -c 256 /dev/urandom > "$data"
t0=$(now)
cat "$data" > "$HIL_NVMEM"
t1=$(now)
if cmp -s "$data" <(head -c 256 "$HIL_NVMEM") && cmp -s "$data" <(head -c 256 "$HIL_EEPROM"); then
  ok "EEPROM 256 bytes written to $HIL_NVMEM, read back equal there and in $HIL_EEPROM ($(awk "BEGIN { print $t1 - $t0 }") s to write)"
else
  bad "EEPROM read back differs from what was written"
fi
check "nvmem size" 256 "$(stat -c %s "$HIL_NVMEM")"

# --- The host's programs and loopback networking ------------------------------------------
check "host python3 runs (dynamically linked, from the 9p root)" 1 "$(python3 -c 'print(1)')"
if command -v sqlite3 >/dev/null; then ok "host sqlite3 runs: $(sqlite3 --version | cut -d' ' -f1)"; fi
check "TCP over 127.0.0.1" pong "$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"pong"); print(a.recv(4).decode())')"

echo "smoke: done at $(now)s after boot"
echo "smoke: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
