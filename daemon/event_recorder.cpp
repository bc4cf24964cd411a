#include "daemon/event_recorder.hpp"

#include <filesystem>
#include <fstream>

#include <chrono>
#include <cstring>

#include "daemon/control/alarms.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/log.hpp"
#include "daemon/store/details.hpp"
#include "daemon/store/witness.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad {

namespace {

// The record of one loop event, and what it changes besides the log.
// `acknowledger`: who sent the acknowledgement of a kAlarmAcknowledged ("" if unknown).
store::Event to_record(const control::ControlEvent& e, int64_t wall_minus_mono,
                       const std::string& session, store::Effects& fx,
                       const std::vector<std::string>& resources, const std::string& acknowledger) {
  using control::EventKind;
  store::Event r;
  r.mono_ns = e.t_ns;
  r.wall_ns = e.t_ns + wall_minus_mono;
  r.session_id = session;
  const std::string code(control::kAlarmTable[e.a < control::kAlarmCount ? e.a : 0].code);
  const std::string alarm = store::details_text({{"code", code}});
  auto set = [&r](const char* kind, const char* severity, std::string details) {
    r.kind = kind;
    r.severity = severity;
    r.details = std::move(details);
  };
  auto alarm_moved = [&](store::AlarmTransition::Kind k, std::string by = {}) {
    fx.alarms.push_back({code, k, r.wall_ns, session, std::move(by)});
  };
  switch (e.kind) {
    case EventKind::kStateChanged: {
      const auto to = static_cast<control::State>(e.b);
      set("state_changed", to == control::State::kFault ? "alarm" : "info",
          store::details_text(
              {{"from", std::string(control::to_string(static_cast<control::State>(e.a)))},
               {"to", std::string(control::to_string(to))}}));
      if (to == control::State::kFault) ++fx.counter_deltas["faults"];
      break;
    }
    case EventKind::kAlarmRaised:
      set("alarm_raised", "alarm", alarm);
      if (e.a == static_cast<uint8_t>(control::AlarmCode::kHardwareFault) && (e.n >> 16) != 0) {
        const std::size_t i = (e.n >> 16) - 1;
        const int err = static_cast<int>(e.n & 0xFFFFu);
        r.details = store::details_text(
            {{"code", code},
             {"resource", i < resources.size() ? resources[i] : "resource " + std::to_string(i)},
             {"error", err ? std::strerror(err) : ""}});
      }
      alarm_moved(store::AlarmTransition::kRaised);
      break;
    case EventKind::kAlarmCleared:
      set("alarm_cleared", "info", alarm);
      alarm_moved(store::AlarmTransition::kCleared);
      break;
    case EventKind::kAlarmAcknowledged:
      // An acknowledgement whose sender is no longer known says so rather than naming no one.
      set("alarm_acknowledged", "info",
          store::details_text(
              {{"code", code}, {"by", acknowledger.empty() ? "unknown" : acknowledger}}));
      alarm_moved(store::AlarmTransition::kAcknowledged,
                  acknowledger.empty() ? "unknown" : acknowledger);
      break;
    case EventKind::kCartridgeInserted:
      set("cartridge_inserted", "info", store::details_text(store::Details::object()));
      break;
    case EventKind::kCartridgeRemoved:
      set("cartridge_removed", "info", store::details_text(store::Details::object()));
      break;
    case EventKind::kEventsLost:
      set("events_lost", "warning", store::details_text({{"count", e.n}}));
      break;
    case EventKind::kRoutineEnded: {
      // A routine that did not finish by itself is worth a look: the run was cut short.
      const auto how = static_cast<control::RoutineEnd>(e.b);
      set("routine_ended",
          how == control::RoutineEnd::kDone || how == control::RoutineEnd::kStopped ? "info"
                                                                                    : "warning",
          store::details_text(
              {{"routine", control::to_string(static_cast<control::RoutineKind>(e.a))},
               {"how", control::to_string(how)}}));
      break;
    }
  }
  return r;
}

// The EEPROM's identity in the insertion's record; read up to a drain (50 ms) after the
// switch closed, so a cartridge already pulled again reads as unknown.
void describe_cartridge(store::Event& r, const std::optional<hal::CartridgeInfo>& c,
                        store::Effects& fx) {
  if (!c || c->serial.empty()) {
    store::Details d = {{"serial", nullptr}};
    if (c && !c->problem.empty()) d["problem"] = c->problem;
    r.details = store::details_text(d);
    return;
  }
  store::Details d = {{"serial", c->serial},   {"type", hal::to_string(c->type)},
                      {"needles", c->needles}, {"lot", c->lot},
                      {"expires", c->expires}, {"checksum_ok", c->checksum_ok}};
  if (!c->problem.empty()) d["problem"] = c->problem;
  r.details = store::details_text(d);
  if (c->checksum_ok) {
    fx.cartridges_seen.push_back(
        {c->serial, r.wall_ns, std::string(hal::to_string(c->type)), c->lot, c->needles});
  }
}

}  // namespace

void EventRecorder::acknowledgement_from(uint32_t id, std::string who) {
  std::lock_guard lock(mu_);
  acknowledgers_[next_acknowledger_] = {id, std::move(who)};
  next_acknowledger_ = (next_acknowledger_ + 1) % acknowledgers_.size();
}

void EventRecorder::schedule() {
  timer_.expires_after(std::chrono::milliseconds(50));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    {
      std::lock_guard lock(mu_);
      // The counters every 10 s while they move (each write chains their totals).
      drain_locked(++drains_ % 200 == 0, false);
    }
    schedule();
  });
}

void EventRecorder::drain_locked(bool counters_due, bool forced) {
  const int64_t offset = wall_now_ns() - control::MonotonicClock().now_ns();
  control::ControlEvent e;
  while (core_.next_event(e)) {
    if (pending_.size() >= max_pending_) {
      ++lost_;
      continue;
    }
    std::string acknowledger;
    if (e.kind == control::EventKind::kAlarmAcknowledged) {
      for (const auto& a : acknowledgers_) {
        if (a.id == e.n && !a.who.empty()) acknowledger = a.who;
      }
    }
    pending_.push_back(to_record(e, offset, e.t_ns >= session_since_ns_ ? session_ : "",
                                 pending_fx_, resources_, acknowledger));
    // The drive just stopped: its strokes and run time are written with that.
    if (e.kind == control::EventKind::kStateChanged &&
        (static_cast<control::State>(e.a) == control::State::kRunning ||
         static_cast<control::State>(e.a) == control::State::kService)) {
      counters_due = true;
    }
    if (e.kind == control::EventKind::kCartridgeInserted && read_cartridge_) {
      const auto c = read_cartridge_();
      describe_cartridge(pending_.back(), c, pending_fx_);
      if (cartridge_cache_) cartridge_cache_->set(c);
    }
    if (e.kind == control::EventKind::kCartridgeRemoved && cartridge_cache_) {
      cartridge_cache_->set(std::nullopt);
    }
  }
  control::Snapshot s;
  if (counters_due && core_.telemetry().latest(s)) {
    // Only what changed: an idle pen writes nothing.
    if (s.strokes != strokes_seen_) {
      pending_fx_.counter_deltas["strokes"] += static_cast<int64_t>(s.strokes - strokes_seen_);
    }
    if (s.motor_on_ms != motor_ms_seen_) {
      pending_fx_.counter_deltas["motor_run_ms"] += s.motor_on_ms - motor_ms_seen_;
    }
    strokes_seen_ = s.strokes;
    motor_ms_seen_ = s.motor_on_ms;
    pending_fx_.wall_ns = s.t_ns + offset;
    pending_fx_.mono_ns = s.t_ns;
  }
  flush_locked(forced);
  // A session's own records go to the store directly; their failure counts too.
  core_.records_ok(pending_.empty() && store_.healthy());
}

void EventRecorder::flush_locked(bool forced) {
  if (pending_.empty() && pending_fx_.counter_deltas.empty() && pending_fx_.alarms.empty()) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (failing_ && !forced && now < retry_at_) return;
  if (lost_ > 0) {
    pending_.push_back(
        {0, wall_now_ns(), control::MonotonicClock().now_ns(), "events_lost", "warning", "",
         store::details_text(
             {{"count", lost_}, {"why", "the records could not be written meanwhile"}}),
         ""});
  }
  std::string error;
  const bool was_healthy = store_.healthy();
  if (store_.append(pending_, pending_fx_, error)) {
    if (recovered_pending_) {
      std::error_code ec;
      std::filesystem::remove(losses_path_, ec);  // recorded: the count has done its work
      recovered_pending_ = false;
    }
    pending_.clear();
    pending_fx_ = {};
    lost_ = 0;
    failing_ = false;
    if (!was_healthy) log("INFO", "the records can be written again");
    core_.records_ok(true);
    return;
  }
  if (lost_ > 0) pending_.pop_back();  // counted again on the next attempt
  // A full disk may have room again once the WAL is folded in and cut back.
  store_.checkpoint();
  failing_ = true;
  retry_at_ = now + std::chrono::seconds(1);
  if (was_healthy) log("ERROR", "the records cannot be written: " + error);
  core_.records_ok(false);
}

void EventRecorder::session_begins(const std::string& id, int64_t since_mono_ns) {
  std::lock_guard lock(mu_);
  session_ = id;
  session_since_ns_ = since_mono_ns;
  drain_locked(false, true);
}

void EventRecorder::session_ends() {
  std::lock_guard lock(mu_);
  drain_locked(false, true);
  session_.clear();
}

void EventRecorder::record(const std::string& kind, const std::string& severity,
                           const std::string& details, const std::string& session_id) {
  std::lock_guard lock(mu_);
  // The loop's events before it, so the log stays in the order things happened.
  drain_locked(false, true);
  if (pending_.size() >= max_pending_) {
    ++lost_;
    return;
  }
  pending_.push_back({0, wall_now_ns(), control::MonotonicClock().now_ns(), kind, severity,
                      session_id, details, ""});
  flush_locked(true);
}

std::string EventRecorder::unwritable() const {
  std::lock_guard lock(mu_);
  if (pending_.empty() && store_.healthy()) return "";
  const std::string why = store_.last_write_error();
  return why.empty() ? "earlier records are still waiting to be written" : why;
}

void EventRecorder::stop() {
  timer_.cancel();
  std::lock_guard lock(mu_);
  drain_locked(true, true);
}

void EventRecorder::recover_losses() {
  if (losses_path_.empty()) return;
  std::ifstream f(losses_path_);
  uint64_t n = 0;
  if (!(f >> n) || n == 0) return;
  std::lock_guard lock(mu_);
  recovered_ = n;
  recovered_pending_ = true;
  pending_.push_back(
      {0, wall_now_ns(), control::MonotonicClock().now_ns(), "events_lost", "warning", "",
       store::details_text({{"count", n},
                            {"why",
                             "still waiting to be written when dermad last stopped (the "
                             "records could not be written)"}}),
       ""});
  flush_locked(true);
}

void EventRecorder::close() {
  std::lock_guard lock(mu_);
  flush_locked(true);
  if (losses_path_.empty()) return;
  uint64_t n = lost_ + pending_.size();
  if (recovered_pending_) n += recovered_ - 1;  // that record stands for its own count
  if (n == 0) return;
  std::string error;
  // The same atomic, synced write as the witness's: a power cut right after must not lose it.
  if (!store::write_small_file(losses_path_, std::to_string(n) + "\n", error)) {
    log("ERROR", error);
    return;
  }
  log("ERROR", std::to_string(n) + " events could not be written before the stop; the next " +
                   "start records them as lost");
}

}  // namespace dermad
