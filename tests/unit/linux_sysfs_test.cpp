// The Linux backend's sysfs parts against a fake tree under a root folder: the PWM class, IIO
// and hwmon channels and the nvmem EEPROM, including files that are missing, vanish or return
// errors. (The GPIO lines need a real gpiochip: tests/hil runs them against gpio-sim.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hal/cartridge_eeprom.hpp"
#include "hal/linux/analog_channel.hpp"
#include "hal/linux/nvmem_eeprom.hpp"
#include "hal/linux/sysfs_attr.hpp"
#include "hal/linux/sysfs_lookup.hpp"
#include "hal/linux/sysfs_pwm.hpp"

namespace dermad::hal::linux_hw {
namespace {

namespace fs = std::filesystem;

class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dermad-sysfs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string root() const { return root_.string(); }
  void put(const std::string& rel, const std::string& text) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string get(const std::string& rel) {
    std::ifstream f(root_ / rel);
    std::string s;
    std::getline(f, s);
    return s;
  }
  // A pwmchip as the kernel shows it: npwm, export, and a device link naming the driver's
  // device; `with_channel` makes pwm0 as an export would.
  void make_pwmchip(const std::string& chip, const std::string& device, bool with_channel) {
    put("sys/class/pwm/" + chip + "/npwm", "2\n");
    put("sys/class/pwm/" + chip + "/export", "");
    fs::create_directories(root_ / "sys/devices/platform" / device);
    fs::create_symlink(root_ / "sys/devices/platform" / device,
                       root_ / "sys/class/pwm" / chip / "device");
    if (with_channel) make_channel(chip);
  }
  void make_channel(const std::string& chip) {
    for (const char* f : {"enable", "duty_cycle", "period", "polarity"}) {
      put("sys/class/pwm/" + chip + "/pwm0/" + f, "7\n");
    }
  }

  fs::path root_;
};

TEST(SysfsPaths, TheRootPrefixesAbsolutePaths) {
  EXPECT_EQ(under("/", "/sys/class/pwm"), "/sys/class/pwm");
  EXPECT_EQ(under("", "/sys/x"), "/sys/x");
  EXPECT_EQ(under("/tmp/t", "/sys/x"), "/tmp/t/sys/x");
  EXPECT_EQ(under("/tmp/t/", "/sys/x"), "/tmp/t/sys/x");
}

TEST_F(FakeSysfs, PwmIsFoundByItsDeviceAndSetUpDisabledAtDutyZero) {
  make_pwmchip("pwmchip0", "other-pwm", false);
  make_pwmchip("pwmchip1", "dermad-pwm-sim", true);
  SysfsPwm pwm;
  std::string error;
  ASSERT_TRUE(pwm.configure(root(), {"dermad-pwm-sim", 0, 50000, false, 3}, error)) << error;
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/enable"), "0");
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/duty_cycle"), "0");
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/period"), "50000");
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/polarity"), "normal");
  EXPECT_EQ(get("sys/class/pwm/pwmchip0/pwm0/period"), "") << "the other chip is left alone";

  EXPECT_EQ(pwm.activate(), 0);
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/enable"), "1");
  EXPECT_EQ(pwm.apply(0.5, true), 0);
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/duty_cycle"), "25000");
  // Nothing is written that has not changed: one system call a tick at most, per file.
  put("sys/class/pwm/pwmchip1/pwm0/duty_cycle", "sentinel\n");
  EXPECT_EQ(pwm.apply(0.5, true), 0);
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/duty_cycle"), "sentinel");
  put("sys/class/pwm/pwmchip1/pwm0/duty_cycle", "");  // sysfs replaces a value; a file does not
  // A duty the loop would never ask for is no duty at all.
  EXPECT_EQ(pwm.apply(std::nan(""), true), 0);
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/duty_cycle"), "0");
  EXPECT_EQ(pwm.deactivate(), 0);
  EXPECT_EQ(get("sys/class/pwm/pwmchip1/pwm0/enable"), "0");
}

TEST_F(FakeSysfs, PwmChannelIsExportedWhenMissing) {
  make_pwmchip("pwmchip0", "dermad-pwm-sim", false);
  // The kernel's part: the channel's folder appears once "0" is written to export.
  std::thread kernel([this] {
    for (int i = 0; i < 200 && get("sys/class/pwm/pwmchip0/export") != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    make_channel("pwmchip0");
  });
  SysfsPwm pwm;
  std::string error;
  const bool ok = pwm.configure(root(), {"dermad-pwm-sim", 0, 40000, true, 3}, error);
  kernel.join();
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(get("sys/class/pwm/pwmchip0/pwm0/period"), "40000");
  EXPECT_EQ(get("sys/class/pwm/pwmchip0/pwm0/polarity"), "inversed");
}

TEST_F(FakeSysfs, PwmProblemsAreNamed) {
  SysfsPwm pwm;
  std::string error;
  EXPECT_FALSE(pwm.configure(root(), {"dermad-pwm-sim", 0, 50000, false, 3}, error));
  EXPECT_EQ(error, "no pwmchip of device 'dermad-pwm-sim' (no PWM chip at all)");
  make_pwmchip("pwmchip0", "fe20c000.pwm", true);
  EXPECT_FALSE(pwm.configure(root(), {"dermad-pwm-sim", 0, 50000, false, 3}, error));
  EXPECT_EQ(error, "no pwmchip of device 'dermad-pwm-sim' (there are: pwmchip0 (fe20c000.pwm))");
  // A file that cannot be written: a FIFO takes no pwrite (ESPIPE), as a broken driver might.
  fs::remove(root_ / "sys/class/pwm/pwmchip0/pwm0/enable");
  ASSERT_EQ(::mkfifo((root_ / "sys/class/pwm/pwmchip0/pwm0/enable").c_str(), 0600), 0);
  EXPECT_FALSE(pwm.configure(root(), {"fe20c000.pwm", 0, 50000, false, 3}, error));
  EXPECT_NE(error.find("pwm0/enable: Illegal seek"), std::string::npos) << error;
}

TEST_F(FakeSysfs, IioChannelAppliesOffsetScaleGainAndBias) {
  put("sys/bus/iio/devices/iio:device0/name", "other-adc\n");
  put("sys/bus/iio/devices/iio:device1/name", "dermad-adc-sim\n");
  put("sys/bus/iio/devices/iio:device1/in_voltage1_raw", "2048\n");
  put("sys/bus/iio/devices/iio:device1/in_voltage_scale", "0.805664062\n");
  put("sys/bus/iio/devices/iio:device1/in_voltage1_offset", "-48\n");
  AnalogChannel ch;
  std::string error;
  AnalogSpec spec{AnalogSpec::Source::kIio, "dermad-adc-sim", "in_voltage1", 0.8, 3.0, 0, 9};
  ASSERT_TRUE(ch.configure(root(), spec, error)) << error;
  double v = 0;
  ASSERT_EQ(ch.read(v), 0);
  EXPECT_NEAR(v, (2048 - 48) * 0.805664062 * 0.8 + 3.0, 1e-9);
  // The file is held open and read again: a new value is seen without re-opening.
  put("sys/bus/iio/devices/iio:device1/in_voltage1_raw", "100\n");
  ASSERT_EQ(ch.read(v), 0);
  EXPECT_NEAR(v, (100 - 48) * 0.805664062 * 0.8 + 3.0, 1e-9);
}

TEST_F(FakeSysfs, AnIioValueThatIsEmptyOrNotANumberIsAnErrorNotAReading) {
  put("sys/bus/iio/devices/iio:device0/name", "adc\n");
  put("sys/bus/iio/devices/iio:device0/in_voltage0_raw", "12\n");
  AnalogChannel ch;
  std::string error;
  ASSERT_TRUE(
      ch.configure(root(), {AnalogSpec::Source::kIio, "adc", "in_voltage0", 1, 0, 0, 1}, error))
      << error;
  double v = -1;
  put("sys/bus/iio/devices/iio:device0/in_voltage0_raw", "");
  EXPECT_EQ(ch.read(v), ENODATA);
  put("sys/bus/iio/devices/iio:device0/in_voltage0_raw", "12abc\n");
  EXPECT_EQ(ch.read(v), EINVAL);
  EXPECT_EQ(v, -1) << "no value on an error";
  // A file that vanished: the held descriptor still reads what it last was (a real sysfs
  // file answers ENODEV, which the VM test sees); a fresh configure names it.
  fs::remove(root_ / "sys/bus/iio/devices/iio:device0/in_voltage0_raw");
  AnalogChannel again;
  EXPECT_FALSE(
      again.configure(root(), {AnalogSpec::Source::kIio, "adc", "in_voltage0", 1, 0, 0, 1}, error));
  EXPECT_NE(error.find("iio:device0/in_voltage0_raw: No such file or directory"), std::string::npos)
      << error;
}

TEST_F(FakeSysfs, IioProblemsAreNamed) {
  AnalogChannel ch;
  std::string error;
  const AnalogSpec spec{AnalogSpec::Source::kIio, "dermad-adc-sim", "in_voltage1", 1, 0, 0, 1};
  EXPECT_FALSE(ch.configure(root(), spec, error));
  EXPECT_EQ(error, "no IIO device named 'dermad-adc-sim' (none at all)");
  put("sys/bus/iio/devices/iio:device0/name", "mcp3208\n");
  EXPECT_FALSE(ch.configure(root(), spec, error));
  EXPECT_EQ(error, "no IIO device named 'dermad-adc-sim' (there are: mcp3208)");
  put("sys/bus/iio/devices/iio:device0/name", "dermad-adc-sim\n");
  put("sys/bus/iio/devices/iio:device0/in_voltage1_raw", "1\n");
  put("sys/bus/iio/devices/iio:device0/in_voltage_scale", "fast\n");
  EXPECT_FALSE(ch.configure(root(), spec, error));
  EXPECT_NE(error.find("in_voltage_scale: 'fast' is not a number"), std::string::npos) << error;
}

TEST_F(FakeSysfs, SlowChannelsAreReadAtTheirOwnRate) {
  put("sys/class/hwmon/hwmon0/name", "acpitz\n");
  put("sys/class/hwmon/hwmon1/name", "lm75\n");
  put("sys/class/hwmon/hwmon1/temp1_input", "24500\n");
  AnalogChannel ch;
  std::string error;
  ASSERT_TRUE(
      ch.configure(root(), {AnalogSpec::Source::kHwmon, "lm75", "temp1", 1, 0, 250, 1}, error))
      << error;
  double v = 0;
  ASSERT_EQ(ch.read(v), 0);
  EXPECT_DOUBLE_EQ(v, 24.5);
  EXPECT_TRUE(ch.due(0));
  ch.read_at(0);
  EXPECT_FALSE(ch.due(249'999'999));
  EXPECT_TRUE(ch.due(250'000'000));
}

TEST_F(FakeSysfs, TheCartridgeEepromIsReadAndJudged) {
  CartridgeInfo c;
  c.serial = "CRT-9";
  c.type = CartridgeType::kStandard;
  c.needles = 12;
  c.lot = "L7";
  c.expires = "2030-06-30";
  std::string problem;
  const auto img = encode_cartridge_eeprom(c, problem);
  ASSERT_TRUE(img) << problem;
  std::string bytes(img->begin(), img->end());
  bytes += std::string(192, '\xff');
  put("sys/bus/nvmem/devices/1-00500/nvmem", bytes);

  NvmemEeprom e;
  std::string error;
  ASSERT_TRUE(e.configure(root(), "1-00500", error)) << error;
  auto got = e.read();
  EXPECT_TRUE(got.checksum_ok) << got.problem;
  EXPECT_EQ(got.serial, "CRT-9");
  EXPECT_EQ(got.expires, "2030-06-30");

  bytes[20] ^= 0x10;
  put("sys/bus/nvmem/devices/1-00500/nvmem", bytes);
  got = e.read();
  EXPECT_FALSE(got.checksum_ok);
  EXPECT_EQ(got.problem.rfind("CRC mismatch", 0), 0u) << got.problem;

  put("sys/bus/nvmem/devices/1-00500/nvmem", bytes.substr(0, 10));
  got = e.read();
  EXPECT_FALSE(got.checksum_ok);
  EXPECT_NE(got.problem.find("10 bytes, the layout needs 64"), std::string::npos) << got.problem;

  fs::remove(root_ / "sys/bus/nvmem/devices/1-00500/nvmem");
  got = e.read();
  EXPECT_FALSE(got.checksum_ok);
  EXPECT_NE(got.problem.find("No such file or directory"), std::string::npos) << got.problem;
  EXPECT_FALSE(e.configure(root(), "1-00500", error));
  EXPECT_NE(error.find("1-00500/nvmem: No such file or directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace dermad::hal::linux_hw
