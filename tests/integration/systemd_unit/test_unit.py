"""dermad's systemd unit, user, folders and device rules as an integrator installs them (#16):
the unit verifies clean, its sandbox rates 2.0 or better in `systemd-analyze security`, the
sysusers and tmpfiles files make the user, groups and folders they promise in a scratch root.

systemd is not PID 1 on the machines the tests run on, so the sandbox is judged offline, and
whether dermad still gets SCHED_FIFO and locked memory under it is reasoned in docs/DEPLOY.md
rather than run here. Run by ctest with UNIT, SYSUSERS, TMPFILES, SBINDIR and DERMAD_BIN in
the environment.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest


def unit_text():
    with open(os.environ["UNIT"]) as f:
        return f.read()


class SystemdUnit(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="dermad-unit-")
        # The unit as installed, its programs where this build has them (verify checks that
        # each command exists).
        self.unit = os.path.join(self.dir, "dermad.service")
        with open(self.unit, "w") as f:
            f.write(unit_text().replace(os.environ["SBINDIR"] + "/dermad",
                                        os.environ["DERMAD_BIN"]))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_the_unit_verifies_without_a_word(self):
        # --man=no: the man page is checked in the package's test, where it is installed.
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", self.unit],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout + r.stderr, "")

    def test_the_sandbox_rates_ok(self):
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                            self.unit], capture_output=True, text=True)
        m = re.search(r"Overall exposure level for dermad\.service: (\d+\.\d+) (\w+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0, r.stdout)
        self.assertEqual(m.group(2), "OK")

    def test_the_unit_says_what_the_issue_asks(self):
        text = unit_text()
        for line in ["Type=notify", "WatchdogSec=", "User=dermad", "StateDirectory=dermad",
                     "RuntimeDirectory=dermad", "ConfigurationDirectory=dermad",
                     "LimitRTPRIO=99", "LimitMEMLOCK=infinity", "ProtectSystem=strict",
                     "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                     "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
                     "ProtectKernelLogs=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                     "RestrictNamespaces=yes", "LockPersonality=yes",
                     "MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service",
                     "CapabilityBoundingSet=\n", "DevicePolicy=closed",
                     "DeviceAllow=char-gpiochip rw"]:
            self.assertIn(line, text)
        # The loop's calls are allowed, and nothing takes them away again.
        self.assertIn("sched_setscheduler", text)
        self.assertIn("mlockall", text)

    def test_sysusers_and_tmpfiles_make_the_user_groups_and_folders(self):
        root = os.path.join(self.dir, "root")
        os.makedirs(os.path.join(root, "etc"))
        r = subprocess.run(["systemd-sysusers", "--root=" + root, os.environ["SYSUSERS"]],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(root, "etc/passwd")) as f:
            passwd = f.read()
        with open(os.path.join(root, "etc/group")) as f:
            group = f.read()
        user = [l for l in passwd.splitlines() if l.startswith("dermad:")]
        self.assertEqual(len(user), 1, passwd)
        fields = user[0].split(":")
        self.assertLess(int(fields[2]), 1000)  # a system user
        self.assertEqual(fields[5], "/var/lib/dermad")
        self.assertEqual(fields[6], "/usr/sbin/nologin")
        for g in ["dermad", "dermad-service", "dermad-clinic"]:
            self.assertRegex(group, r"(?m)^%s:" % re.escape(g))
        r = subprocess.run(["systemd-tmpfiles", "--create", "--root=" + root,
                            os.environ["TMPFILES"]], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        uid = int(fields[2])
        for path, mode in [("var/lib/dermad", 0o700), ("run/dermad", 0o755)]:
            st = os.stat(os.path.join(root, path))
            self.assertEqual(st.st_mode & 0o777, mode, path)
            self.assertEqual(st.st_uid, uid, path)


if __name__ == "__main__":
    unittest.main()
