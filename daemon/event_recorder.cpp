#include "daemon/event_recorder.hpp"

#include <chrono>

#include "daemon/control/alarms.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/log.hpp"

namespace dermad {

namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::Event to_record(const control::ControlEvent& e, int64_t wall_minus_mono) {
  using control::EventKind;
  store::Event r;
  r.mono_ns = e.t_ns;
  r.wall_ns = e.t_ns + wall_minus_mono;
  const std::string alarm =
      R"({"code":")" +
      std::string(control::kAlarmTable[e.a < control::kAlarmCount ? e.a : 0].code) + "\"}";
  auto set = [&r](const char* kind, const char* severity, std::string details) {
    r.kind = kind;
    r.severity = severity;
    r.details = std::move(details);
  };
  switch (e.kind) {
    case EventKind::kStateChanged:
      set("state_changed", "info",
          std::string(R"({"from":")") +
              std::string(control::to_string(static_cast<control::State>(e.a))) + R"(","to":")" +
              std::string(control::to_string(static_cast<control::State>(e.b))) + "\"}");
      break;
    case EventKind::kAlarmRaised:
      set("alarm_raised", "alarm", alarm);
      break;
    case EventKind::kAlarmCleared:
      set("alarm_cleared", "info", alarm);
      break;
    case EventKind::kAlarmAcknowledged:
      set("alarm_acknowledged", "info", alarm);
      break;
    case EventKind::kCartridgeInserted:
      set("cartridge_inserted", "info", "{}");
      break;
    case EventKind::kCartridgeRemoved:
      set("cartridge_removed", "info", "{}");
      break;
    case EventKind::kEventsLost:
      set("events_lost", "warning", R"({"count":)" + std::to_string(e.n) + "}");
      break;
  }
  return r;
}

}  // namespace

void EventRecorder::schedule() {
  timer_.expires_after(std::chrono::milliseconds(50));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    drain();
    schedule();
  });
}

void EventRecorder::drain() {
  const int64_t offset = wall_ns() - control::MonotonicClock().now_ns();
  std::vector<store::Event> batch;
  control::ControlEvent e;
  while (core_.next_event(e)) batch.push_back(to_record(e, offset));
  if (!batch.empty()) write(batch);
}

void EventRecorder::write(std::vector<store::Event>& batch) {
  std::string error;
  if (store_.append(batch, error)) return;
  if (healthy_.exchange(false)) log("ERROR", "the event log cannot be written: " + error);
}

void EventRecorder::record(const std::string& kind, const std::string& severity,
                           const std::string& details, const std::string& session_id) {
  std::vector<store::Event> one{
      {0, wall_ns(), control::MonotonicClock().now_ns(), kind, severity, session_id, details, ""}};
  write(one);
}

void EventRecorder::stop() {
  timer_.cancel();
  drain();
}

}  // namespace dermad
