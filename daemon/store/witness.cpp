#include "daemon/store/witness.hpp"

#include "daemon/store/sqlite_db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
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
  return write_small_file(path,
                          "dermad-witness " + std::to_string(w.seq) + " " + w.hash + " " +
                              std::to_string(w.accepted) + "\n",
                          error);
}

bool write_small_file(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
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
    const auto e = store.read(w.seq - 1, 1);
    if (!e.empty()) w.hash = e.front().hash;
  }
  return w;
}

namespace {

std::string witness_problem_in(const std::vector<Event>& read, int64_t last, const Witness& w,
                               const Anchor& anchor) {
  // A witnessed event pruned since (the witness lags the log by up to a second) is checked
  // against the anchor when it is the last one pruned, else it is simply gone, as it may be.
  if (w.seq < anchor.seq) return "";
  const std::vector<Event> at_anchor{{w.seq, 0, 0, "", "", "", "", anchor.hash}};
  const auto& e = w.seq == anchor.seq ? at_anchor : read;
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

}  // namespace

std::string witness_problem(Store& store, const Witness& w) {
  if (w.seq == 0) return "";
  return witness_problem_in(store.read(w.seq - 1, 1), store.last_seq(), w, store.pruned_anchor());
}

bool check_records(const std::string& db_path, const std::string& witness_path,
                   std::string& report) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::symlink_status(db_path, ec);
  if (fs::is_symlink(st) && !fs::exists(db_path, ec)) {
    report = db_path + " is a dangling symbolic link";
    return false;
  }
  if (fs::exists(db_path, ec) && !fs::is_regular_file(db_path, ec)) {
    report = db_path + " is not a file";
    return false;
  }
  if (::access(db_path.c_str(), R_OK) != 0) {
    report = db_path + " cannot be read: " + std::strerror(errno);
    return false;
  }
  // A read-only look at a WAL database leaves -wal and -shm files behind: those it made are
  // removed again, those that were there are left as they were.
  const std::string extra[] = {db_path + "-wal", db_path + "-shm"};
  bool existed[2];
  for (int i = 0; i < 2; ++i) existed[i] = fs::exists(extra[i], ec);
  std::string base;
  bool ok = check_file(db_path, base);
  std::vector<std::string> problems;
  if (!ok) problems.push_back(base);
  if (ok) {
    Db db;
    std::string error;
    if (!db.open_readonly(db_path, error)) {
      problems.push_back(error);
    } else {
      const auto w = read_witness(witness_path, error);
      if (!error.empty()) problems.push_back(error);
      int64_t last = 0;
      {
        Stmt n(db, "SELECT value FROM meta WHERE key='head_seq'");
        if (n.ok() && n.step() == SQLITE_ROW) last = std::strtoll(n.text(0).c_str(), nullptr, 10);
      }
      const std::string wp = w && w->seq > 0 ? witness_problem_in(read_events(db, w->seq - 1, 1),
                                                                  last, *w, pruned_anchor(db))
                                             : "";
      if (!wp.empty()) problems.push_back(wp);
      for (const auto& p : verify_chain(db, w && wp.empty() ? w->accepted : 0)) {
        problems.push_back("the hash chain is broken: " + p);
      }
      for (const auto& p : counters_problems(db)) problems.push_back(p);
      for (const auto& p : pruning_problems(db)) problems.push_back(p);
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (!existed[i]) fs::remove(extra[i], ec);
  }
  if (!problems.empty()) {
    report.clear();
    for (const auto& p : problems) report += (report.empty() ? "" : "; ") + p;
    return false;
  }
  report = base + "; the chain verified" +
           (fs::exists(witness_path, ec) ? "; the witness agrees" : "; no witness yet");
  return true;
}

}  // namespace dermad::store
