"""The Debian package as an integrator meets it (#16): built by cpack from this build, it holds
the programs under /usr, the unit, its user, folders and device rules, the conffiles, man
pages and bash completion; its dependencies come from the libraries it links; lintian finds no
error; it installs into a scratch root (dpkg --root, scripts run without a chroot), makes its
user and enables its service there, keeps a clinic's edit of a conffile over a reinstall, and
the installed dermad's --check works. The installed unit verifies and rates 2.0 or better.

Run by ctest with CPACK_CONFIG (the build's CPackConfig.cmake) in the environment.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

EXPECTED_FILES = [
    "./usr/sbin/dermad", "./usr/bin/dermactl", "./usr/bin/dermad-eeprom", "./usr/bin/dermad-fleet",
    "./lib/systemd/system/dermad.service", "./usr/lib/sysusers.d/dermad.conf",
    "./usr/lib/tmpfiles.d/dermad.conf", "./lib/udev/rules.d/60-dermad.rules",
    "./etc/dermad/protocols.textproto", "./etc/dermad/board.textproto",
    "./usr/share/man/man8/dermad.8.gz", "./usr/share/man/man1/dermactl.1.gz",
    "./usr/share/man/man1/dermad-eeprom.1.gz", "./usr/share/man/man1/dermad-fleet.1.gz",
    "./usr/share/bash-completion/completions/dermactl", "./usr/share/doc/dermad/copyright",
    "./usr/share/doc/dermad/changelog.gz", "./usr/share/dermad/boards/raspberry-pi-4.textproto",
]


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, **kw)


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="dermad-package-")
        r = run("cpack", "--config", os.environ["CPACK_CONFIG"], "-B", cls.dir)
        if r.returncode != 0:
            raise RuntimeError("cpack failed:\n" + r.stdout + r.stderr)
        debs = [f for f in os.listdir(cls.dir) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.dir, debs[0])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_it_holds_what_an_integrator_needs_under_usr(self):
        listing = run("dpkg-deb", "--contents", self.deb).stdout
        files = [line.split()[-1] for line in listing.splitlines()]
        for f in EXPECTED_FILES:
            self.assertIn(f, files)
        self.assertFalse([f for f in files if f.startswith("./usr/local")], files)
        modes = {line.split()[-1]: line.split()[0] for line in listing.splitlines()}
        self.assertEqual(modes["./usr/sbin/dermad"], "-rwxr-xr-x")
        conffiles = run("dpkg-deb", "--info", self.deb, "conffiles").stdout.split()
        self.assertEqual(sorted(conffiles),
                         ["/etc/dermad/board.textproto", "/etc/dermad/protocols.textproto"])
        for script in ["postinst", "prerm", "postrm"]:
            self.assertEqual(run("dpkg-deb", "--info", self.deb, script).returncode, 0, script)

    def test_its_dependencies_are_the_libraries_it_links(self):
        depends = run("dpkg-deb", "--field", self.deb, "Depends").stdout
        for lib in ["libgrpc++1.51", "libprotobuf32", "libsqlite3-0", "libssl3", "libpq5",
                    "libsystemd0", "libgpiod2", "systemd", "init-system-helpers"]:
            self.assertIn(lib, depends)
        self.assertEqual(run("dpkg-deb", "--field", self.deb, "Package").stdout.strip(), "dermad")

    def test_lintian_finds_no_error(self):
        r = run("lintian", "--fail-on", "error", "--tag-display-limit", "0", self.deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotRegex(r.stdout, r"(?m)^E: ")

    def test_it_installs_into_a_scratch_root_and_the_installed_dermad_checks(self):
        root = os.path.join(self.dir, "root")
        for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"]:
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
        dpkg = ["dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends"]
        r = run(*dpkg, "--install", self.deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The postinst made the user and groups, and enabled the service, in that root.
        with open(os.path.join(root, "etc/passwd")) as f:
            self.assertRegex(f.read(), r"(?m)^dermad:x:\d+:\d+:.*:/var/lib/dermad:/usr/sbin/nologin$")
        with open(os.path.join(root, "etc/group")) as f:
            groups = f.read()
        for g in ["dermad", "dermad-service", "dermad-clinic"]:
            self.assertRegex(groups, r"(?m)^%s:" % g)
        wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants/dermad.service")
        self.assertEqual(os.readlink(wants), "/lib/systemd/system/dermad.service")
        with open(os.path.join(root, "lib/systemd/system/dermad.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/sbin/dermad --board /etc/dermad/board.textproto", unit)

        # The installed dermad, as the unit's check runs it (the simulated pen here: this
        # machine has no board).
        state = os.path.join(self.dir, "state")
        r = run(os.path.join(root, "usr/sbin/dermad"), "--sim", "--check", "--protocols",
                os.path.join(root, "etc/dermad/protocols.textproto"), "--state-dir", state)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("configuration OK: dermad would start", r.stderr)
        # With the shipped board file it names what this machine lacks.
        r = run(os.path.join(root, "usr/sbin/dermad"), "--board",
                os.path.join(root, "etc/dermad/board.textproto"), "--check", "--protocols",
                os.path.join(root, "etc/dermad/protocols.textproto"), "--state-dir", state)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("the board's resources are not all there", r.stderr)
        r = run(os.path.join(root, "usr/bin/dermactl"), "--help")
        self.assertEqual(r.returncode, 0, r.stderr)

        # The installed unit: clean to systemd-analyze (its man page found in that root), and
        # its sandbox rated OK.
        unit_copy = os.path.join(self.dir, "dermad.service")
        with open(unit_copy, "w") as f:
            f.write(unit.replace("/usr/sbin/dermad", os.path.join(root, "usr/sbin/dermad")))
        r = run("systemd-analyze", "verify", unit_copy,
                env=dict(os.environ, MANPATH=os.path.join(root, "usr/share/man")))
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))
        r = run("systemd-analyze", "security", "--offline=true", "--no-pager",
                os.path.join(root, "lib/systemd/system/dermad.service"))
        m = re.search(r"Overall exposure level for dermad\.service: (\d+\.\d+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0)

        # A clinic's edit of a conffile survives a reinstall (an upgrade to the same files).
        protocols = os.path.join(root, "etc/dermad/protocols.textproto")
        with open(protocols, "a") as f:
            f.write("\n# edited by the clinic\n")
        r = run(*dpkg, "--force-confold", "--install", self.deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(protocols) as f:
            self.assertIn("# edited by the clinic", f.read())

        # Removed: the programs go, the conffiles and the records stay.
        os.makedirs(os.path.join(root, "var/lib/dermad"), exist_ok=True)
        open(os.path.join(root, "var/lib/dermad/dermad.db"), "w").close()
        r = run(*dpkg, "--remove", "dermad")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(os.path.join(root, "usr/sbin/dermad")))
        self.assertTrue(os.path.exists(protocols))
        r = run(*dpkg, "--purge", "dermad")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(protocols))
        self.assertTrue(os.path.exists(os.path.join(root, "var/lib/dermad/dermad.db")))


if __name__ == "__main__":
    unittest.main()
