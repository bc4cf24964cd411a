// One sysfs attribute held open for the life of the backend: read and written with pread and
// pwrite at offset 0, so a tick costs one system call per value and nothing is re-opened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dermad::hal::linux_hw {

class SysfsAttr {
 public:
  SysfsAttr() = default;
  SysfsAttr(const SysfsAttr&) = delete;
  SysfsAttr& operator=(const SysfsAttr&) = delete;
  SysfsAttr(SysfsAttr&& o) noexcept;
  SysfsAttr& operator=(SysfsAttr&& o) noexcept;
  ~SysfsAttr();

  // False with "PATH: reason" in `error`.
  bool open(const std::string& path, bool writable, std::string& error);
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // 0 or an errno: the kernel's (ENODEV for a device that went away), ENODATA for an empty
  // read, EINVAL for text that is not a number. Neither allocates.
  int read_int(int64_t& value) const;
  int write_int(int64_t value) const;
  int write_text(std::string_view text) const;

 private:
  int fd_ = -1;
  std::string path_;
};

// Configure-time helpers (they allocate): a whole small file, trimmed of its newline.
std::optional<std::string> read_text_file(const std::string& path, std::string& error);
bool write_text_file(const std::string& path, std::string_view text, std::string& error);
// "PATH: strerror(err)".
std::string describe(const std::string& path, int err);

}  // namespace dermad::hal::linux_hw
