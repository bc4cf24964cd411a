#include "hal/linux/sysfs_attr.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace dermad::hal::linux_hw {

SysfsAttr::SysfsAttr(SysfsAttr&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

SysfsAttr& SysfsAttr::operator=(SysfsAttr&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

SysfsAttr::~SysfsAttr() {
  if (fd_ >= 0) ::close(fd_);
}

bool SysfsAttr::open(const std::string& path, bool writable, std::string& error) {
  const int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    error = describe(path, errno);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = path;
  return true;
}

int SysfsAttr::read_int(int64_t& value) const {
  char buf[32];
  const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
  if (n < 0) return errno;
  if (n == 0) return ENODATA;
  const char* end = buf + n;
  while (end > buf && (end[-1] == '\n' || end[-1] == ' ')) --end;
  const auto [ptr, ec] = std::from_chars(buf, end, value);
  return ec == std::errc() && ptr == end && end > buf ? 0 : EINVAL;
}

int SysfsAttr::write_int(int64_t value) const {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return EINVAL;
  return write_text(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

int SysfsAttr::write_text(std::string_view text) const {
  const ssize_t n = ::pwrite(fd_, text.data(), text.size(), 0);
  if (n < 0) return errno;
  return static_cast<std::size_t>(n) == text.size() ? 0 : EIO;
}

std::optional<std::string> read_text_file(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = describe(path, errno);
    return std::nullopt;
  }
  std::string out;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      error = describe(path, errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0 || out.size() > 4096) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

bool write_text_file(const std::string& path, std::string_view text, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = describe(path, errno);
    return false;
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0 || static_cast<std::size_t>(n) != text.size()) {
    error = describe(path, err ? err : EIO);
    return false;
  }
  return true;
}

std::string describe(const std::string& path, int err) {
  return path + ": " + std::strerror(err);
}

}  // namespace dermad::hal::linux_hw
