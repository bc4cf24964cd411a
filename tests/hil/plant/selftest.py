#!/usr/bin/env python3
"""The plant's self-test, inside the HIL VM with hil_plant running (selftest.sh starts it).

A crude controller in place of dermad, using only what dermad will use: the GPIO character
device (v1 ioctls, all four drive outputs in one request as the Linux backend bulks them),
sysfs PWM and the IIO ADC; the plant's truth comes from its report file. Prints what it
measured, one line each, and "selftest: N passed, N failed"; exits 1 on a failure.
"""
import bisect
import fcntl
import json
import os
import struct
import subprocess
import sys
import time

CHIP = os.environ["HIL_GPIOCHIP"]
PWM = os.environ["HIL_PWMCHIP"]
IIO = os.environ["HIL_IIO_DEVICE"]
REPORT = os.environ.get("PLANT_REPORT", os.environ["HIL_RUN"] + "/plant.json")
CONTROL = os.environ.get("PLANT_CONTROL", "/run/hil-plant.ctl")
EDGES = os.environ.get("PLANT_EDGES", "/run/hil-plant-edges.log")

UM_PER_STEP = 2.5  # LeadScrewParams
GAIN = {"current": 1.25, "position": 0.635, "force": 0.005, "supply": 0.004, "temperature": 0.02}

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    verdict = "PASS" if ok else "FAIL"
    print(f"selftest: {verdict} {name}{': ' + detail if detail else ''}", flush=True)


# --- GPIO v1 character-device ABI (linux/gpio.h) ------------------------------------------
def _iowr(nr, size):
    return (3 << 30) | (size << 16) | (0xB4 << 8) | nr


GET_LINEHANDLE = _iowr(0x03, 364)
GET_VALUES = _iowr(0x08, 64)
SET_VALUES = _iowr(0x09, 64)


class Lines:
    """One line request: OUTPUT with default values, or INPUT."""

    def __init__(self, chip_fd, offsets, defaults=None, label=b"selftest", extra_flags=0):
        flags = ((1 << 1) if defaults is not None else (1 << 0)) | extra_flags
        defaults = list(defaults or [0] * len(offsets))
        req = bytearray(struct.pack("64I I 64B 32s I i", *(offsets + [0] * (64 - len(offsets))),
                                    flags, *(defaults + [0] * (64 - len(defaults))), label,
                                    len(offsets), 0))
        fcntl.ioctl(chip_fd, GET_LINEHANDLE, req)
        self.fd = struct.unpack_from("i", req, len(req) - 4)[0]
        self.offsets = offsets
        self.values = defaults

    def set(self, **by_offset):
        for off, v in by_offset.items():
            self.values[self.offsets.index(int(off[1:]))] = v
        fcntl.ioctl(self.fd, SET_VALUES, bytes(self.values + [0] * (64 - len(self.values))))

    def get(self):
        data = bytearray(64)
        fcntl.ioctl(self.fd, GET_VALUES, data)
        return dict(zip(self.offsets, data))


# --- the plant ------------------------------------------------------------------------------
def report():
    with open(REPORT) as f:
        return json.load(f)


def wait_report(pred, timeout=3.0):
    """The first report (newer than now) for which pred holds, else the last one."""
    t_end = time.monotonic() + timeout
    since = time.monotonic_ns()
    r = report()
    while time.monotonic() < t_end:
        r = report()
        if r.get("t_ns", 0) > since and pred(r):
            return r
        time.sleep(0.05)
    return r


def command(line):
    fd = os.open(CONTROL, os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, (line + "\n").encode())
    os.close(fd)


def adc(name):
    idx = list(GAIN).index(name)
    with open(f"{IIO}/in_voltage{idx}_raw") as f:
        return int(f.read())


def sysfs_write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def predicted_speed_hz(duty, supply=12.0):
    """Steady state of hal/sim/motor_model.cpp: drive torque = viscous + dry friction."""
    k, r, b, c, rs = 0.0085, 3.4, 1.0e-6, 0.5e-3, 0.3
    v = supply
    for _ in range(50):  # the supply sags with the current: a fixed point
        w = (v * duty - r * c / k) / (k + r * b / k)
        i = (b * w + c) / k
        v = supply - rs * i * duty
    return w / (2 * 3.141592653589793)


def main():
    chip_fd = os.open(CHIP, os.O_RDWR)
    # Outputs as dermad's backend requests them: one bulk, STEPPER_ENABLE (4) active-low,
    # so physical 1 here = stepper disabled.
    out = Lines(chip_fd, [0, 2, 3, 4], [0, 0, 0, 1])
    inp = Lines(chip_fd, [11, 12, 13, 14, 15])

    # --- power-on state -------------------------------------------------------------------
    r = wait_report(lambda r: "truth" in r)
    pos0 = r["truth"]["position_um"]
    v = inp.get()
    check("power-on inputs: estop released (13 high), trigger/pedal/cartridge low",
          (v[13], v[11], v[12], v[15]) == (1, 0, 0, 0), f"lines {v}")
    check("home open at the start position", v[14] == 0 and not r["truth"]["home_closed"],
          f"{pos0} um")
    raw = adc("position")
    check("position ADC matches the truth", abs(raw * GAIN["position"] - pos0) < 6,
          f"raw {raw} = {raw * GAIN['position']:.1f} um, truth {pos0} um")
    check("supply and temperature ADC", abs(adc("supply") * GAIN["supply"] - 12.0) < 0.1
          and abs(adc("temperature") * GAIN["temperature"] - 24.0) < 0.05,
          f"{adc('supply') * GAIN['supply']:.3f} V, "
          f"{adc('temperature') * GAIN['temperature']:.2f} C")

    # --- the test's controls over the FIFO ------------------------------------------------
    for cmd, off, want in [("trigger press", 11, 1), ("trigger release", 11, 0),
                           ("pedal press", 12, 1), ("pedal release", 12, 0),
                           ("cartridge insert", 15, 1), ("cartridge remove", 15, 0),
                           ("estop press", 13, 0), ("estop release", 13, 1)]:
        t0 = time.monotonic()
        command(cmd)
        while inp.get()[off] != want and time.monotonic() - t0 < 1.0:
            time.sleep(0.001)
        got = inp.get()[off]
        check(f"'{cmd}' -> line {off} reads {want}", got == want,
              f"after {(time.monotonic() - t0) * 1e3:.1f} ms")
    # A consumer's bias flag moves gpio-sim's pull; the plant's switch wins within ~100 ms.
    os.close(inp.fd)
    biased = Lines(chip_fd, [13], extra_flags=1 << 6)  # GPIOHANDLE_REQUEST_BIAS_PULL_DOWN
    pulled = biased.get()[13]
    r = wait_report(lambda r: r["errors"]["inputs_reasserted"] >= 1 and biased.get()[13] == 1)
    check("ESTOP requested with a pull-down bias is put back to released by the plant",
          biased.get()[13] == 1 and r["errors"]["inputs_reasserted"] >= 1,
          f"read {pulled} right after the request, then {biased.get()[13]}")
    os.close(biased.fd)
    inp = Lines(chip_fd, [11, 12, 13, 14, 15])
    command("force 2.0")
    time.sleep(0.1)
    check("'force 2.0' -> force ADC", abs(adc("force") * GAIN["force"] - 2.0) < 0.1,
          f"{adc('force') * GAIN['force']:.3f} N")
    command("force 0")

    # --- the needle drive: PWM + DRIVE_ENABLE -> tach edges ---------------------------------
    if not os.path.exists(f"{PWM}/pwm0"):
        sysfs_write(f"{PWM}/export", 0)
    sysfs_write(f"{PWM}/pwm0/period", 50000)
    sysfs_write(f"{PWM}/pwm0/duty_cycle", 25000)
    sysfs_write(f"{PWM}/pwm0/enable", 1)
    out.set(o0=1)
    want = predicted_speed_hz(0.5)
    r = wait_report(lambda r: abs(r["truth"]["speed_hz"] - want) < 0.01 * want, timeout=5)
    check("motor at duty 0.5 reaches the model's steady speed",
          abs(r["truth"]["speed_hz"] - want) < 0.01 * want,
          f"truth {r['truth']['speed_hz']:.2f} strokes/s, predicted {want:.2f}; current ADC "
          f"{adc('current') * GAIN['current']:.0f} mA (truth {r['truth']['current_a'] * 1e3:.0f})")
    command("stats reset")
    time.sleep(0.2)
    mon = subprocess.run(["timeout", "3", "gpiomon", "--rising-edge", "--format=%s %n",
                          os.path.basename(CHIP), "10"], capture_output=True, text=True)
    stamps = [int(s) * 10**9 + int(n) for s, n in (l.split() for l in mon.stdout.splitlines())]
    if len(stamps) < 10:
        check("tach edges seen by gpiomon", False, f"{len(stamps)} edges; {mon.stderr.strip()}")
    else:
        periods = sorted((b - a) / 1e3 for a, b in zip(stamps, stamps[1:]))
        median = periods[len(periods) // 2]
        # The median period: a stalled VM makes some edges late, and the rest still tell.
        rate = 1e6 / median / 2
        check("tach edge rate (median period of gpiomon's kernel timestamps) = model speed x 2",
              abs(rate - want) < 0.02 * want,
              f"{rate:.2f} strokes/s, predicted {want:.2f}")
        mean = sum(periods) / len(periods)
        sd = (sum((x - mean) ** 2 for x in periods) / len(periods)) ** 0.5
        print(f"selftest: tach period median {median:.1f} us, mean {mean:.1f}, 1 sigma {sd:.1f}, "
              f"min {periods[0]:.0f}, max {periods[-1]:.0f}")
        time.sleep(0.3)  # the edge log is written every report period
        log = [tuple(map(int, l.split())) for l in open(EDGES) if not l.startswith("#")]
        ideal = sorted(i for i, _ in log)
        # Every rise the plant wrote while gpiomon listened reached it: none merged or lost.
        # An edge's kernel timestamp follows the start of its write: the last write before
        # gpiomon's first and last stamps bound what it should have seen.
        writes = sorted(w for _, w in log)
        first = bisect.bisect_right(writes, stamps[0])
        written = bisect.bisect_right(writes, stamps[-1]) - first + 1
        check("every tach rise the plant wrote reached gpiomon", written == len(stamps),
              f"{len(stamps)} seen, {written} written in {(stamps[-1] - stamps[0]) / 1e9:.2f} s")
        errs = []
        j = 0
        for ts in stamps:  # each kernel timestamp against the latest ideal edge before it
            while j + 1 < len(ideal) and ideal[j + 1] <= ts:
                j += 1
            if ideal and ideal[j] <= ts:
                errs.append((ts - ideal[j]) / 1e3)
        errs.sort()
        p = lambda q: errs[min(len(errs) - 1, int(q * len(errs)))] if errs else -1
        # Informative: how late the edges' kernel timestamps are depends on the host's load.
        print(f"selftest: tach edge kernel timestamps after the model's edge times: p50 "
              f"{p(0.5):.0f} us, p90 {p(0.9):.0f}, p99 {p(0.99):.0f}, max {p(1):.0f} "
              f"(n={len(errs)})")
    r = report()
    print(f"selftest: plant tach late_us {r['tach']['late_us']}, "
          f"loop {r['loop']['rate_hz']:.0f} Hz, "
          f"tick late_us {r['loop']['tick_late_us']}, cpu {r['loop']['cpu_pct']:.1f}%")

    # --- a 1 kHz controller beside the plant, and the e-stop's latency -----------------------
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(80))  # as dermad's loop
        rt = "SCHED_FIFO 80"
    except OSError as e:
        rt = f"SCHED_OTHER ({e})"
    lates = []
    t_next = time.monotonic_ns()
    reacted = None
    for tick in range(3000):
        t_next += 1_000_000
        d = t_next - time.monotonic_ns()
        if d > 0:
            time.sleep(d / 1e9)
        lates.append((time.monotonic_ns() - t_next) / 1e3)
        if tick == 2000:
            command("estop press")
        if reacted is None and inp.get()[13] == 0:  # pressed: drive off at once
            out.set(o0=0)
            reacted = tick
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    lates.sort()
    print(f"selftest: 1 kHz controller ({rt}) beside the plant: late p50 {lates[1500]:.0f} us, "
          f"p99 {lates[2970]:.0f} us, max {lates[-1]:.0f} us")
    r = wait_report(lambda r: r["estop"] and r["estop"][-1]["drive_fall_ns"] > 0)
    e = r["estop"][-1] if r["estop"] else {}
    check("e-stop press -> DRIVE_ENABLE low measured (plant's press, kernel's trace)",
          e.get("drive_fall_ns", -1) > e.get("press_ns", 0) - 1000 and e.get("drive_was_on"),
          f"latency {e.get('latency_us', -1):.0f} us (controller reacted at tick {reacted})")
    command("estop release")
    sysfs_write(f"{PWM}/pwm0/enable", 0)

    # --- the stepper: STEP pulses in the trace -> lead screw --------------------------------
    def pulses(n, pace_s=0.0003):
        for _ in range(n):
            out.set(o2=1)
            out.set(o2=0)
            if pace_s:
                time.sleep(pace_s)

    def settle():
        time.sleep(0.25)
        return report()

    r0 = settle()
    out.set(o4=0)  # STEPPER_ENABLE active (physical 0)
    out.set(o3=1)  # DIR deeper, before the first STEP
    t0 = time.monotonic()
    pulses(200)
    dt = time.monotonic() - t0
    r = settle()
    moved = r["truth"]["position_um"] - r0["truth"]["position_um"]
    check("200 steps deeper move the screw 200 x 2.5 um",
          moved == 200 * UM_PER_STEP and r["steps"]["deeper"] - r0["steps"]["deeper"] == 200,
          f"moved {moved} um to {r['truth']['position_um']} um in {dt * 1e3:.0f} ms, "
          f"lost {r['truth']['lost_steps']}")
    raw = adc("position")
    check("position ADC follows", abs(raw * GAIN["position"] - r["truth"]["position_um"]) < 6,
          f"raw {raw} ({raw * GAIN['position']:.1f} um)")
    back = round(r["truth"]["position_um"] / UM_PER_STEP)
    out.set(o3=0)
    pulses(back)
    r = settle()
    check(f"{back} steps back reach 0 um, HOME closed",
          r["truth"]["position_um"] == 0 and inp.get()[14] == 1 and r["truth"]["home_closed"],
          f"{r['truth']['position_um']} um, line 14 = {inp.get()[14]}")
    out.set(o3=1)
    pulses(1)
    r = settle()
    check("one step deeper opens HOME", inp.get()[14] == 0, f"{r['truth']['position_um']} um")
    r0 = r
    pulses(10, pace_s=0)
    r = settle()
    check("a burst of 10 steps, as fast as python goes, all taken",
          r["truth"]["position_um"] - r0["truth"]["position_um"] == 25
          and r["truth"]["lost_steps"] == r0["truth"]["lost_steps"],
          f"{r['truth']['position_um']} um")
    out.set(o4=1)  # disabled
    pulses(5)
    r2 = settle()
    check("steps while STEPPER_ENABLE is inactive do not move",
          r2["truth"]["position_um"] == r["truth"]["position_um"]
          and r2["steps"]["while_disabled"] - r["steps"]["while_disabled"] == 5,
          f"lost {r2['truth']['lost_steps'] - r['truth']['lost_steps']}")
    out.set(o4=0)
    out.set(o3=0)
    pulses(100)
    r3 = settle()
    lost = r3["truth"]["lost_steps"] - r2["truth"]["lost_steps"]
    check("100 steps back from 27.5 um end at the -150 um hard stop, the rest lost",
          r3["truth"]["position_um"] == -150 and lost == 100 - 71 and adc("position") == 0,
          f"{r3['truth']['position_um']} um, lost {lost}, ADC {adc('position')}")
    print(f"selftest: trace {r3['trace']}, steps {r3['steps']}")
    print(f"selftest: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
