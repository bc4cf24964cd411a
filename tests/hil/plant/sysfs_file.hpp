// One kernel attribute file (sysfs, tracefs) held open and read or written at offset 0, so a
// loop iteration costs one system call per value. The plant has its own small wrapper rather
// than hal/linux's SysfsAttr: the emulator is the test's oracle and must not share code with
// the backend it checks.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace dermad::hil {

class SysfsFile {
 public:
  SysfsFile() = default;
  SysfsFile(const SysfsFile&) = delete;
  SysfsFile& operator=(const SysfsFile&) = delete;
  ~SysfsFile() { close(); }

  // False with "PATH: reason" in `error`.
  bool open(const std::string& path, int flags, std::string& error) {
    close();
    path_ = path;
    fd_ = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd_ < 0) error = path + ": " + std::strerror(errno);
    return fd_ >= 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // The file's text (up to 63 bytes) without its newline; 0 or an errno.
  int read_text(std::string_view& text) {
    const ssize_t n = ::pread(fd_, buf_, sizeof buf_ - 1, 0);
    if (n < 0) return errno;
    std::size_t len = static_cast<std::size_t>(n);
    while (len > 0 && (buf_[len - 1] == '\n' || buf_[len - 1] == ' ')) --len;
    buf_[len] = '\0';
    text = std::string_view(buf_, len);
    return 0;
  }
  // 0, an errno, or EINVAL for text that is no integer.
  int read_int(int64_t& value) {
    std::string_view t;
    if (const int err = read_text(t)) return err;
    if (t.empty()) return EINVAL;
    char* end = nullptr;
    value = std::strtoll(t.data(), &end, 10);
    return end == t.data() + t.size() ? 0 : EINVAL;
  }
  int write_text(std::string_view text) {
    const ssize_t n = ::pwrite(fd_, text.data(), text.size(), 0);
    if (n < 0) return errno;
    return static_cast<std::size_t>(n) == text.size() ? 0 : EIO;
  }
  int write_int(int64_t value) {
    char s[24];
    const int len = std::snprintf(s, sizeof s, "%lld", static_cast<long long>(value));
    return write_text(std::string_view(s, static_cast<std::size_t>(len)));
  }

 private:
  int fd_ = -1;
  std::string path_;
  char buf_[64];
};

// Configure-time helpers: a whole small file (newline trimmed), or one write of `text`.
// False with "PATH: reason" in `error`.
bool read_file(const std::string& path, std::string& text, std::string& error);
bool write_file(const std::string& path, std::string_view text, std::string& error);

}  // namespace dermad::hil
