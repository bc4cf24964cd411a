#include "daemon/log.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace dermad {

namespace {

std::atomic<bool> to_journal{false};

// systemd sets $JOURNAL_STREAM to the device and inode of the stream it connected stdout and
// stderr to; they match only when stderr is still that stream (not redirected since).
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr || *stream == '\0') return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  const std::string mine = std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                           std::to_string(static_cast<unsigned long long>(st.st_ino));
  return mine == stream;
}

int priority_of(std::string_view level) {
  if (level == "ERROR") return 3;
  if (level == "WARNING") return 4;
  if (level == "DEBUG") return 7;
  return 6;
}

bool journal_send(std::string_view level, std::string_view msg, const LogFields& f) {
  std::vector<std::string> fields;
  fields.reserve(6);
  fields.push_back("MESSAGE=" + std::string(msg));
  fields.push_back("PRIORITY=" + std::to_string(priority_of(level)));
  fields.emplace_back("SYSLOG_IDENTIFIER=dermad");
  if (!f.event.empty()) fields.push_back("DERMAD_EVENT=" + std::string(f.event));
  if (!f.session.empty()) fields.push_back("DERMAD_SESSION=" + std::string(f.session));
  if (!f.alarm.empty()) fields.push_back("DERMAD_ALARM=" + std::string(f.alarm));
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (auto& s : fields) iov.push_back({s.data(), s.size()});
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0;
}

void console(std::string_view level, std::string_view msg, const LogFields& f) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  (void)f;  // on a terminal the message says it
  std::fprintf(stderr, "%s.%03lldZ dermad %.*s: %.*s\n", stamp, static_cast<long long>(ms),
               static_cast<int>(level.size()), level.data(), static_cast<int>(msg.size()),
               msg.data());
  std::fflush(stderr);
}

}  // namespace

void set_log_target(LogTarget target) {
  to_journal = target == LogTarget::kJournal || (target == LogTarget::kAuto && stderr_is_journal());
}

bool logging_to_journal() {
  return to_journal;
}

void log(std::string_view level, std::string_view msg, const LogFields& fields) {
  if (to_journal && journal_send(level, msg, fields)) return;
  console(level, msg, fields);
}

}  // namespace dermad
