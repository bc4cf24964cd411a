#!/usr/bin/env python3
"""The README's dermactl walk-throughs, pasted line by line as a clinician or engineer would,
against a real `dermad --sim`: no line may be a usage error, an unknown command, or find
dermad unreachable; the lines that must succeed do; the session walk-through ends with the
session recorded.

Two stand-ins for the person at the keyboard: `dermactl` is found on PATH (the README's alias
points into ./build, the test's build may be another), and the live view that a person ends
with Ctrl-C gets a SIGINT after two seconds.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

README = os.environ["README"]
DERMAD = os.environ["DERMAD_BIN"]
DERMACTL = os.environ["DERMACTL_BIN"]
PROTOCOLS = os.environ["DERMAD_PROTOCOLS"]

# Exit codes that mean the README is wrong, not the pen: usage, unreachable, not found.
WRONG = {2: "usage error", 4: "dermad unreachable", 127: "command not found"}


def blocks(text):
    """The ```sh blocks of the README, each as its commands (continued lines joined)."""
    out = []
    for body in re.findall(r"```sh\n(.*?)```", text, re.S):
        cmds, cur = [], ""
        for line in body.splitlines():
            code = re.sub(r"\s+#\s.*$", "", line).rstrip()
            if not code.strip():
                continue
            cur += code + "\n"
            if code.endswith("\\") or code.endswith("|"):
                continue
            cmds.append(cur.strip())
            cur = ""
        out.append(cmds)
    return out


def readme_blocks():
    with open(README) as f:
        return blocks(f.read())


def block_with(all_blocks, first_command):
    for b in all_blocks:
        if b and b[0].startswith(first_command):
            return b
    raise AssertionError("no README block begins with " + first_command)


class Walkthroughs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="dermad-readme-")
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin)
        os.symlink(DERMACTL, os.path.join(self.bin, "dermactl"))
        self.socket = os.path.join(self.dir, "dermad.sock")
        self.log = open(os.path.join(self.dir, "dermad.log"), "w")
        self.daemon = subprocess.Popen(
            [DERMAD, "--sim", "--socket", self.socket, "--state-dir", self.dir,
             "--protocols", PROTOCOLS, "--loop-stall-ms", "1000"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.env = dict(os.environ, PATH=self.bin + ":" + os.environ["PATH"],
                        DERMACTL_SOCKET=self.socket,
                        XDG_STATE_HOME=os.path.join(self.dir, "xdg"))
        for _ in range(400):
            r = subprocess.run([DERMACTL, "--socket", self.socket, "--json", "status"],
                               capture_output=True, text=True)
            if r.returncode == 0 and json.loads(r.stdout)["state"] == "IDLE":
                break
            time.sleep(0.05)
        else:
            self.fail("dermad did not reach IDLE")

    def tearDown(self):
        self.daemon.send_signal(signal.SIGTERM)
        self.daemon.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def paste(self, commands, skip=()):
        """Runs the commands one by one in one shell, as typed: returns each exit code."""
        script = os.path.join(self.dir, "pasted.sh")
        results = os.path.join(self.dir, "results")
        lines = []
        for i, c in enumerate(commands):
            if c.startswith("alias ") or any(c.startswith(s) for s in skip):
                continue
            if c.startswith("dermactl watch") and "--count" not in c:
                # A person ends the live view with Ctrl-C.
                c = "timeout -s INT 2 " + c
            lines.append(c)
            lines.append('echo "%d $?" >> %s' % (i, results))
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run(["bash", script], cwd=self.dir, env=self.env, capture_output=True,
                           text=True, timeout=240)
        codes = {}
        with open(results) as f:
            for line in f:
                i, code = line.split()
                codes[int(i)] = int(code)
        for i, c in enumerate(commands):
            if i in codes:
                self.assertNotIn(codes[i], WRONG,
                                 "README line `%s`: %s\n%s" % (c, WRONG.get(codes[i]), r.stderr))
        return codes, r

    def test_trying_dermactl(self):
        cmds = block_with(readme_blocks(), "alias dermactl=")
        codes, r = self.paste(cmds)
        must_pass = [i for i, c in enumerate(cmds)
                     if c.split()[:2] in (["dermactl", "status"], ["dermactl", "info"],
                                          ["dermactl", "protocols"], ["dermactl", "selftest"])]
        for i in must_pass:
            self.assertEqual(codes[i], 0, "`%s`\n%s" % (cmds[i], r.stderr))
        # The stall demo ends in MOTOR_STALL (exit 1), then it is acknowledged: IDLE again.
        st = subprocess.run(["dermactl", "--json", "status"], env=self.env,
                            capture_output=True, text=True)
        self.assertEqual(json.loads(st.stdout)["state"], "IDLE", r.stdout[-2000:])

    def test_a_treatment_session(self):
        cmds = block_with(readme_blocks(), "dermactl sim cartridge insert --type standard")
        codes, r = self.paste(cmds)
        for i, c in enumerate(cmds):
            if c.startswith("dermactl session") or c.startswith("dermactl sessions"):
                self.assertEqual(codes.get(i), 0, "`%s`\n%s\n%s" % (c, r.stdout[-3000:], r.stderr))
        show = subprocess.run(["dermactl", "--json", "session", "show"], env=self.env,
                              capture_output=True, text=True)
        summary = json.loads(show.stdout)
        self.assertFalse(summary["active"])
        self.assertGreater(summary["strokes"], 0)
        self.assertEqual([z["zone"] for z in summary["zones"]], ["cheeks", "chin"])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "ticket.html")))


if __name__ == "__main__":
    unittest.main()
