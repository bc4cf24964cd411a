// Finding a board file's device in sysfs by its name: a pwmchip by its device, an IIO or
// hwmon device by its `name` file, an nvmem device by its folder. Everything is looked up under
// `root` ("/" on a board; a fake tree in the unit tests). Configure time only.
#pragma once

#include <string>

namespace dermad::hal::linux_hw {

// `root` joined with an absolute path: "/" + "/sys/x" is "/sys/x", "/tmp/t" + "/sys/x" is
// "/tmp/t/sys/x".
std::string under(const std::string& root, const std::string& path);

// The folder of the pwmchip named `name` (the basename of pwmchipN/device, or "pwmchipN"), or
// of the path given; empty with the reason in `error`.
std::string find_pwmchip(const std::string& root, const std::string& name, std::string& error);
// The folder of the IIO device whose `name` file says `name`, or of the path given.
std::string find_iio_device(const std::string& root, const std::string& name, std::string& error);
// The folder of the hwmon device whose `name` file says `name`, or of the path given.
std::string find_hwmon(const std::string& root, const std::string& name, std::string& error);
// The nvmem file of device `name`, or the path given.
std::string nvmem_file(const std::string& root, const std::string& name);

}  // namespace dermad::hal::linux_hw
