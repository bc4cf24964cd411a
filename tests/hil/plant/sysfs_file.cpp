#include "tests/hil/plant/sysfs_file.hpp"

namespace dermad::hil {

bool read_file(const std::string& path, std::string& text, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  text.clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  const int err = errno;
  ::close(fd);
  if (n < 0) {
    error = path + ": " + std::strerror(err);
    return false;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return true;
}

bool write_file(const std::string& path, std::string_view text, std::string& error) {
  // write(), not pwrite(): tracefs files refuse to seek.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    error = path + ": writing '" + std::string(text) +
            "': " + (err ? std::strerror(err) : "short write");
    return false;
  }
  return true;
}

}  // namespace dermad::hil
