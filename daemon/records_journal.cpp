#include "daemon/records_journal.hpp"

#include "daemon/log.hpp"
#include "daemon/store/details.hpp"

namespace dermad {

std::string journal_line(const store::Event& e) {
  constexpr std::size_t kMaxDetails = 1000;
  std::string line = "event " + std::to_string(e.seq) + " " + e.kind;
  if (!e.session_id.empty()) line += " (session " + e.session_id + ")";
  if (e.details != "{}") {
    line += ": " + e.details.substr(0, kMaxDetails);
    if (e.details.size() > kMaxDetails) line += "...";
  }
  return line;
}

std::string journal_alarm(const store::Event& e) {
  if (e.kind.rfind("alarm_", 0) != 0) return "";
  const auto d = store::Details::parse(e.details, nullptr, false);
  return d.is_object() && d.contains("code") && d["code"].is_string() ? d["code"].get<std::string>()
                                                                      : "";
}

void journal_events(const std::vector<store::Event>& events) {
  for (const auto& e : events) {
    const char* level = e.severity == "alarm"     ? "ERROR"
                        : e.severity == "warning" ? "WARNING"
                                                  : "INFO";
    const std::string alarm = journal_alarm(e);
    log(level, journal_line(e), LogFields{e.kind, e.session_id, alarm});
  }
}

}  // namespace dermad
