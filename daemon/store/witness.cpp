#include "daemon/store/witness.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dermad::store {

std::optional<Witness> read_witness(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream f(path);
  Witness w;
  std::string tag;
  if (!f || !(f >> tag >> w.seq >> w.hash >> w.accepted) || tag != "dermad-witness" || w.seq < 0 ||
      w.hash.size() != 64 || w.accepted < 0 || w.accepted > w.seq) {
    error = path + " is not a records witness (or cannot be read)";
    return std::nullopt;
  }
  return w;
}

bool write_witness(const std::string& path, const Witness& w, std::string& error) {
  const std::string tmp = path + ".tmp";
  const std::string text = "dermad-witness " + std::to_string(w.seq) + " " + w.hash + " " +
                           std::to_string(w.accepted) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  if (ok) {
    // The rename itself must reach the disk.
    const auto dir = std::filesystem::path(path).parent_path().string();
    const int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      ::fsync(d);
      ::close(d);
    }
    return true;
  }
  error = "cannot write " + path + ": " + std::strerror(ok ? errno : saved);
  return false;
}

Witness witness_of(Store& store) {
  Witness w;
  w.seq = store.last_seq();
  if (w.seq > 0) {
    const auto e = store.read(w.seq - 1, 1, "");
    if (!e.empty()) w.hash = e.front().hash;
  }
  return w;
}

std::string witness_problem(Store& store, const Witness& w) {
  if (w.seq == 0) return "";
  const int64_t last = store.last_seq();
  const auto e = store.read(w.seq - 1, 1, "");
  if (e.empty() || e.front().seq != w.seq) {
    return "the records end at event " + std::to_string(last) + " but event " +
           std::to_string(w.seq) +
           " was witnessed: they were lost, emptied or rolled back (a lost WAL, a restored "
           "copy)";
  }
  if (e.front().hash != w.hash) {
    return "event " + std::to_string(w.seq) +
           " is not the one witnessed (its hash differs): the records were replaced";
  }
  return "";
}

}  // namespace dermad::store
