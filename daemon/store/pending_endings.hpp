// Sessions that ended while the records could not be written (a full disk, the records'
// cap). The operator has the summary already; the row must not stay "active", or the next
// start would record a session that ended properly as a crash. The ending waits here, is
// retried while dermad runs, and is left in a file of its own at stop for the next start.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/store.hpp"

namespace dermad::store {

class PendingEndings {
 public:
  // The ended or aborted row and its session_ended/session_aborted event, not yet written.
  void add(SessionRow row, Event finished);
  // Writes what it can, oldest first; the ids it wrote.
  std::vector<std::string> retry(Store& store);
  // The ending of `id` while it waits, so readers see the session ended.
  std::optional<SessionRow> find(const std::string& id) const;
  std::set<std::string> ids() const;
  bool empty() const;

  // What still waits, into `path` (atomically, synced), or `path` removed when nothing
  // does. False with the reason when it cannot be written.
  bool save(const std::string& path, std::string& error) const;
  // The endings a previous run left in `path` (none when there is no file). Their events
  // say they were recorded late and carry this run's monotonic time. False with the reason
  // when the file cannot be read or is not such a file.
  bool load(const std::string& path, int64_t now_mono_ns, std::string& error);

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<SessionRow, Event>> waiting_;
};

}  // namespace dermad::store
