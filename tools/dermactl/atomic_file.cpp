#include "tools/dermactl/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace dermad::ctl {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail_errno(const std::string& what, const fs::path& p) {
  throw FileError(what + " " + p.string() + ": " + std::strerror(errno));
}

// Closes the descriptor and removes the temporary file unless the rename went through.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) : name_(target.string() + ".XXXXXX") {
    std::vector<char> buf(name_.begin(), name_.end());
    buf.push_back('\0');
    fd_ = ::mkstemp(buf.data());  // creates the file 0600
    if (fd_ < 0) fail_errno("cannot create a file next to", target);
    name_ = buf.data();
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(name_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno("cannot write", name_);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void commit(const fs::path& target, mode_t mode) {
    // fchmod too: mkstemp's 0600 is glibc's behaviour, the mode here is the requirement.
    if (::fchmod(fd_, mode) != 0) fail_errno("cannot set the mode of", name_);
    if (::fsync(fd_) != 0) fail_errno("cannot flush", name_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno("cannot close", name_);
    if (::rename(name_.c_str(), target.c_str()) != 0) fail_errno("cannot replace", target);
    renamed_ = true;
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool renamed_ = false;
};

// The rename itself survives a power cut only once the directory is flushed; a failure here
// loses nothing that is not already on its way to disk, so it is not an error.
void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const fs::path& file, std::string_view data, mode_t mode) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw FileError(file.string() + " is a directory");
  TempFile tmp(file);
  tmp.write_all(data);
  tmp.commit(file, mode);
  sync_dir(file.parent_path());
}

}  // namespace dermad::ctl
