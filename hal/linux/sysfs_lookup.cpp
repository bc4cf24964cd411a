#include "hal/linux/sysfs_lookup.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "hal/linux/sysfs_attr.hpp"

namespace dermad::hal::linux_hw {

namespace fs = std::filesystem;

namespace {

// The entries of `dir` whose names start with `prefix`, in order: pwmchip0 before pwmchip1.
std::vector<fs::path> entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A device folder by the text of its `name` file.
std::string find_by_name_file(const std::string& root, const std::string& dir,
                              const std::string& prefix, const std::string& name, const char* what,
                              std::string& error) {
  if (!name.empty() && name.front() == '/') {
    const auto path = under(root, name);
    std::error_code ec;
    if (fs::is_directory(path, ec)) return path;
    error = what + std::string(" ") + name + ": no such device folder";
    return "";
  }
  std::string names;
  for (const auto& d : entries(under(root, dir), prefix)) {
    std::string ignored;
    const auto n = read_text_file((d / "name").string(), ignored);
    if (!n) continue;
    if (*n == name) return d.string();
    names += (names.empty() ? "" : ", ") + *n;
  }
  error = std::string("no ") + what + " named '" + name + "' (" +
          (names.empty() ? "none at all" : "there are: " + names) + ")";
  return "";
}

}  // namespace

std::string under(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
}

std::string find_pwmchip(const std::string& root, const std::string& name, std::string& error) {
  if (!name.empty() && name.front() == '/') {
    const auto path = under(root, name);
    std::error_code ec;
    if (fs::exists(fs::path(path) / "npwm", ec)) return path;
    error = "pwmchip " + name + ": not a PWM chip (no npwm file)";
    return "";
  }
  std::string seen;
  for (const auto& d : entries(under(root, "/sys/class/pwm"), "pwmchip")) {
    std::error_code ec;
    const auto device = fs::read_symlink(d / "device", ec);
    const std::string dev = ec ? "" : device.filename().string();
    if (dev == name || d.filename() == name) return d.string();
    seen +=
        (seen.empty() ? "" : ", ") + d.filename().string() + (dev.empty() ? "" : " (" + dev + ")");
  }
  error = "no pwmchip of device '" + name + "' (" +
          (seen.empty() ? "no PWM chip at all" : "there are: " + seen) + ")";
  return "";
}

std::string find_iio_device(const std::string& root, const std::string& name, std::string& error) {
  return find_by_name_file(root, "/sys/bus/iio/devices", "iio:device", name, "IIO device", error);
}

std::string find_hwmon(const std::string& root, const std::string& name, std::string& error) {
  return find_by_name_file(root, "/sys/class/hwmon", "hwmon", name, "hwmon device", error);
}

std::string nvmem_file(const std::string& root, const std::string& name) {
  if (!name.empty() && name.front() == '/') return under(root, name);
  return under(root, "/sys/bus/nvmem/devices/" + name + "/nvmem");
}

}  // namespace dermad::hal::linux_hw
