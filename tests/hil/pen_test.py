#!/usr/bin/python3
"""The real dermad on real kernel drivers: runs inside the HIL VM (tests/hil/run_vm.sh).

dermad runs without --sim, on hal/boards/qemu-hil.textproto: gpio-sim lines through libgpiod,
the test's PWM chip through sysfs, its ADC through IIO, a real at24 EEPROM through nvmem. The
plant emulator (tests/hil/plant) sees only what a pen's electronics would see through the
kernel and plays the motor and the lead screw. Each check prints what it measured; the first
failed check ends the run with exit 1.

Software emulation (TCG) runs the VM's kernel some twenty times slower than a board, so the
loop runs on QEMU's virtual time (run_vm.sh's HIL_ICOUNT) and at --period-us (default 1000); the loop's timing on a board is a benchmark's
business (docs/PERFORMANCE.md), not this test's.

usage: pen_test.py --build DIR [--source DIR] [--period-us N]
"""
import argparse
import json
import os
import subprocess
import sys
import time

ENV = os.environ
RUN = ENV.get("HIL_RUN", "/tmp")
FIFO = "/run/hil-plant.ctl"
SOCK = "/run/dermad-hil.sock"
GPIO_SIM = ENV.get("HIL_GPIO_SIM_SYSFS", "")
BOARD_OUT = {"drive_enable": 0, "watchdog": 9}

failures = []


def say(text):
    print(text, flush=True)


def check(ok, what):
    say(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
        raise SystemExit(finish())


def finish():
    say("HIL pen test: %s" % ("all checks passed" if not failures else
                                "FAILED: " + "; ".join(failures)))
    return 1 if failures else 0


class Pen:
    def __init__(self, build, source, period_us):
        self.build, self.source, self.period_us = build, source, period_us
        self.ctl = os.path.join(build, "tools/dermactl/dermactl")
        self.plant = None
        self.dermad = None

    def start(self):
        self.plant = subprocess.Popen(
            [os.path.join(self.build, "tests/hil/plant/hil_plant"), "--report",
             os.path.join(RUN, "plant.json"), "--control", FIFO, "--no-noise"],
            stdout=open(os.path.join(RUN, "plant.log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(FIFO) and os.path.exists(os.path.join(RUN, "plant.json")):
                break
            time.sleep(0.05)
        check(self.plant.poll() is None, "the plant emulator runs")
        args = [os.path.join(self.build, "daemon/dermad"), "--board",
                os.path.join(self.source, "hal/boards/qemu-hil.textproto"), "--protocols",
                os.path.join(self.source, "daemon/treatment/protocols.textproto"),
                "--state-dir", "/tmp/dermad-hil-state", "--socket", SOCK,
                "--period-us", str(self.period_us)]
        check_run = subprocess.run(args + ["--check"], capture_output=True, text=True)
        say(check_run.stderr.strip().splitlines()[-1] if check_run.stderr else "")
        check(check_run.returncode == 0, "dermad --check passes with the shipped VM board")
        self.dermad = subprocess.Popen(args, stdout=open(os.path.join(RUN, "dermad.log"), "w"),
                                       stderr=subprocess.STDOUT)

    def stop(self):
        for p in (self.dermad, self.plant):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()

    def dermactl(self, *args, ok=True):
        r = subprocess.run([self.ctl, "--socket", SOCK, "--json"] + list(args),
                           capture_output=True, text=True)
        if ok and r.returncode != 0:
            say("dermactl %s: exit %d: %s %s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def status(self):
        r = self.dermactl("status", ok=False)
        try:
            return json.loads(r.stdout) if r.returncode == 0 else None
        except ValueError:
            return None

    def wait_status(self, pred, seconds, what):
        end = time.monotonic() + seconds
        s = None
        while time.monotonic() < end:
            s = self.status()
            if s is not None and pred(s):
                return s
            time.sleep(0.1)
        say("last status while waiting for %s: %s" % (what, json.dumps(s)[:1500]))
        say("the plant says: %s" % json.dumps(self.truth())[:2500])
        return None

    def ack_until_idle(self, seconds):
        """Acknowledges the alarms until their causes are gone and the pen is IDLE."""
        def idle_or_ack(s):
            if s["state"] == "IDLE" and not s["alarms"]:
                return True
            self.dermactl("alarms", "ack", "--all", ok=False)
            return False
        return self.wait_status(idle_or_ack, seconds, "IDLE after acknowledging")

    def tell_plant(self, command):
        with open(FIFO, "w") as f:
            f.write(command + "\n")

    def truth(self):
        for _ in range(20):
            try:
                with open(os.path.join(RUN, "plant.json")) as f:
                    return json.load(f)
            except (OSError, ValueError):
                time.sleep(0.05)
        return {}


def alarms(s):
    return [a["code"] for a in s.get("alarms", [])]


def sample_line(offset, n=60, gap=0.004):
    values = set()
    for _ in range(n):
        with open(os.path.join(GPIO_SIM, "sim_gpio%d/value" % offset)) as f:
            values.add(f.read().strip())
        time.sleep(gap)
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", default=os.getcwd())
    ap.add_argument("--period-us", type=int, default=int(ENV.get("HIL_PERIOD_US", "1000")))
    opts = ap.parse_args()
    pen = Pen(os.path.abspath(opts.build), os.path.abspath(opts.source), opts.period_us)
    try:
        pen.start()
        run(pen)
    except BaseException:
        say("--- dermad.log (tail) ---")
        subprocess.run(["tail", "-n", "30", os.path.join(RUN, "dermad.log")])
        raise
    finally:
        pen.stop()
    return finish()


def run(pen):
    # 1. Homing on the home-switch line, through the real kernel interfaces.
    s = pen.wait_status(lambda s: s["state"] == "IDLE" and s["homed"], 60, "homed and IDLE")
    check(s is not None, "dermad homes on the home switch and is IDLE")
    info = json.loads(pen.dermactl("info").stdout)
    check(info["backend"] == "linux" and info["board"].startswith("qemu-hil"),
          "dermactl info: backend %s, board %s" % (info["backend"], info["board"]))
    t = pen.truth()
    # Homing stops on the switch, a few steps past it (the switch is seen a tick or more after
    # it closes, by how much depends on the emulation's lag), short of the hard stop at -150.
    pos = t["truth"]["position_um"]
    check(t["truth"]["home_closed"] and -100 < pos <= 0,
          "homed: the needle stop is %.1f um past the home switch, which is closed" % -pos)
    check(len(sample_line(BOARD_OUT["watchdog"])) == 2,
          "the watchdog kick line toggles while the loop runs healthy")

    # 2. The needle drive at 100 Hz, closed loop, and a depth move to 1000 um.
    r = pen.dermactl("jog", "--detach", "--depth-um", "1000", "--speed-hz", "100",
                     "--duration-ms", "10000")
    check(r.returncode == 0, "a 10 s service run at 1000 um and 100 Hz is accepted")
    s = pen.wait_status(lambda s: s["motor_enabled"] and abs(s["speed_hz"] - 100) < 2, 10,
                        "the drive at speed")
    check(s is not None, "the needle drive reaches 100 Hz")
    time.sleep(0.5)  # settle
    # The plant's truth is a file read; a dermactl call costs a process start in the VM.
    truths, depths = [], []
    for _ in range(15):
        t = pen.truth()
        if t["drive"]["enable"]:
            truths.append(t["truth"]["speed_hz"])
            depths.append(t["truth"]["position_um"])
        time.sleep(0.1)
    s = pen.status()
    check(len(truths) >= 10, "the drive ran through the measurement (%d samples)" % len(truths))
    mean = sum(truths) / len(truths)
    worst = max(abs(v - 100) for v in truths)
    say("      speed over 1.5 s: plant mean %.2f Hz, worst %.2f Hz off; dermad's estimate %.2f Hz"
        % (mean, worst, s["speed_hz"]))
    check(worst <= 2.0, "the needles run at 100 Hz within +-2 %% (worst %.2f Hz off)" % worst)
    derr = max(abs(d - 1000) for d in depths)
    check(derr <= 10.0, "the needle depth holds 1000 um within +-10 um (worst %.1f um off)" % derr)

    # 3. The e-stop line drops the drive enable line at the loop's next tick.
    period_us = info["loop_period_us"]
    pen.tell_plant("estop press")
    s = pen.wait_status(lambda s: s["state"] == "ESTOP", 5, "ESTOP")
    check(s is not None and not s["motor_enabled"], "the e-stop puts dermad in ESTOP, drive off")
    time.sleep(0.3)
    e = pen.truth()["estop"][-1]
    late_us = (e["drive_fall_ns"] - e["press_ns"]) / 1000 if e["drive_fall_ns"] > 0 else -1
    say("      e-stop pressed -> DRIVE_ENABLE low: %.0f us (kernel timestamps; loop period %d us)"
        % (late_us, period_us))
    check(e["drive_was_on"] and 0 < late_us, "DRIVE_ENABLE fell after the e-stop press")
    # Within one tick: the next tick reads the edge and writes the line; half a period more
    # covers the tick's own work and its lateness on the VM's virtual clock.
    check(late_us <= 1.5 * period_us,
          "DRIVE_ENABLE fell within one tick of the press (%.0f us, period %d us)"
          % (late_us, period_us))
    pen.tell_plant("estop release")
    s = pen.ack_until_idle(20)
    check(s is not None, "after release and acknowledgement the pen is IDLE again")


    # 4. A cartridge's EEPROM read through the at24 driver; one with a bad CRC refused.
    eeprom_tool = os.path.join(pen.build, "tools/dermad-eeprom/dermad-eeprom")
    eeprom = ENV["HIL_EEPROM"]
    w = subprocess.run([eeprom_tool, "write", "--serial", "HIL-0001", "--type", "nano",
                        "--needles", "36", "--lot", "L-HIL", "--expires", "2030-06-30", eeprom],
                       capture_output=True, text=True)
    check(w.returncode == 0, "dermad-eeprom writes and verifies the at24 EEPROM")
    pen.tell_plant("cartridge insert")
    s = pen.wait_status(lambda s: s.get("cartridge") is not None, 5, "the cartridge read")
    check(s is not None and s["cartridge"]["serial"] == "HIL-0001" and s["cartridge"]["valid"],
          "dermad reads the inserted cartridge: %s" % (s and json.dumps(s["cartridge"])))
    pen.tell_plant("cartridge remove")
    pen.wait_status(lambda s: not s["cartridge_present"], 5, "the cartridge out")
    with open(eeprom, "r+b") as f:
        f.seek(10)
        b = f.read(1)
        f.seek(10)
        f.write(bytes([b[0] ^ 0x20]))
    pen.tell_plant("cartridge insert")
    s = pen.wait_status(lambda s: s.get("cartridge") is not None, 5, "the bad cartridge read")
    check(s is not None and not s["cartridge"]["valid"] and
          s["cartridge"]["problem"].startswith("CRC mismatch"),
          "a cartridge with a bad CRC is refused: %s" % (s and s["cartridge"]["problem"]))
    pen.tell_plant("cartridge remove")

    # 5. The watchdog line stops toggling in FAULT (a jammed cam: MOTOR_STALL).
    check(pen.ack_until_idle(20) is not None, "IDLE before the service run")
    pen.dermactl("jog", "--detach", "--depth-um", "500", "--speed-hz", "100", "--duration-ms", "10000")
    pen.wait_status(lambda s: s["motor_enabled"], 10, "the drive on")
    pen.tell_plant("jam on")
    s = pen.wait_status(lambda s: s["state"] == "FAULT", 10, "FAULT")
    check(s is not None, "a jammed cam faults the pen: %s" % (s and alarms(s)))
    check(len(sample_line(BOARD_OUT["watchdog"])) == 1, "in FAULT the watchdog line stands still")
    pen.tell_plant("jam off")

    # 6. The gpio-sim chip removed while running: an alarm naming it, safe outputs, no crash.
    with open("/sys/kernel/config/gpio-sim/dermad/live", "w") as f:
        f.write("0")
    s = pen.wait_status(lambda s: "HARDWARE_FAULT" in alarms(s), 10, "HARDWARE_FAULT")
    text = [a["text"] for a in (s or {}).get("alarms", []) if a["code"] == "HARDWARE_FAULT"]
    check(s is not None and text and "gpio dermad:" in text[0],
          "the chip removed: HARDWARE_FAULT names it: %s" % (text[0] if text else None))
    # The chip's inputs read as their safe values: the e-stop pressed among them.
    check(not s["motor_enabled"] and s["state"] in ("FAULT", "ESTOP"),
          "the drive is off, the pen in %s" % s["state"])
    t = pen.truth()
    pwm = t["drive"]["pwm"]
    check(pwm["duty_ns"] == 0 or not pwm["enable"], "the PWM duty is 0 (%d ns)" % pwm["duty_ns"])
    time.sleep(1.0)
    check(pen.dermad.poll() is None and pen.status() is not None, "dermad still runs and answers")


if __name__ == "__main__":
    sys.exit(main())
