#include "daemon/treatment/sessions.hpp"

#include <random>
#include <set>

#include "daemon/control/clock.hpp"
#include "daemon/store/details.hpp"
#include "daemon/treatment/session_summary.hpp"
#include "daemon/treatment/wall_time.hpp"

namespace dermad::treatment {

using store::details_text;

std::chrono::system_clock::time_point SystemSessionClock::wall() {
  return std::chrono::system_clock::now();
}

int64_t SystemSessionClock::mono_ns() {
  return control::MonotonicClock().now_ns();
}

Date SystemSessionClock::today() {
  return local_date(wall());
}

namespace {

std::string new_token() {
  std::random_device rd;
  char b[33];
  std::snprintf(b, sizeof b, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return b;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

// Releases the one-start-at-a-time flag whichever way a start ends.
struct StartingGuard {
  std::atomic<bool>& starting;
  ~StartingGuard() { starting.store(false); }
};

}  // namespace

Sessions::Sessions(const ProtocolSet& protocols, LoopPort& loop, SessionStore& records,
                   store::Journal& journal, SessionClock& clock, uint64_t sessions_so_far)
    : protocols_(protocols),
      loop_(loop),
      records_(records),
      journal_(journal),
      clock_(clock),
      next_number_(sessions_so_far + 1) {}

Outcome Sessions::refused(Outcome::Code code, std::string text) {
  Outcome o;
  o.code = code;
  o.text = std::move(text);
  return o;
}

Outcome Sessions::loop_refused(control::Verdict v, uint32_t detail, std::string doing) {
  Outcome o;
  o.code = Outcome::kLoop;
  o.verdict = v;
  o.detail = detail;
  o.doing = std::move(doing);
  return o;
}

DeviceView Sessions::device() {
  DeviceView d = loop_.device();
  d.records_error = journal_.unwritable();
  return d;
}

std::string Sessions::new_id() {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock_.wall());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[48];
  std::strftime(b, sizeof b, "S%Y%m%d-%H%M%S", &tm);
  return std::string(b) + "-" + std::to_string(next_number_++);
}

void Sessions::start(StartRequest request, Reply reply) {
  const DeviceView dev = device();
  // The single-use rule from the records, so it holds across restarts.
  std::set<std::string> used;
  if (dev.cartridge && records_.cartridge_used(dev.cartridge->serial)) {
    used.insert(dev.cartridge->serial);
  }
  const Date day = clock_.today();
  auto refusals = start_refusals(request, protocols_, dev, used, day);
  if (book_.current()) refusals.push_back({Refusal::kPrecondition, "a session is active already"});
  if (refusals.empty() && starting_.exchange(true)) {
    refusals.push_back({Refusal::kPrecondition, "another client is starting a session"});
  }
  if (!refusals.empty()) {
    Outcome o;
    o.code = Outcome::kPrecondition;
    for (const auto& r : refusals) {
      if (r.kind == Refusal::kInvalid) o.code = Outcome::kInvalid;
      o.text += (o.text.empty() ? "" : "; ") + r.text;
    }
    reply(o, SessionRecord{});
    return;
  }

  SessionRecord rec;
  rec.id = new_id();
  rec.owner_token = new_token();
  rec.zone = request.zone;
  rec.depth_um = request.depth_um;
  rec.speed_hz = request.speed_hz;
  rec.materials = request.materials;
  rec.findings = screen(request.answers, protocols_.screening, day);
  rec.cartridge = *dev.cartridge;
  rec.request = std::move(request);
  const control::Command c =
      session_command(control::CommandKind::kArm, *protocols_.find(rec.request.protocol),
                      {rec.zone, rec.depth_um, rec.speed_hz}, rec.cartridge.type);
  const int64_t armed_from_ns = clock_.mono_ns();
  loop_.submit(c, [this, reply, rec, armed_from_ns](control::Verdict v, uint32_t detail) mutable {
    StartingGuard done{starting_};
    if (v != control::Verdict::kAccepted) {
      reply(loop_refused(v, detail, "arming"), rec);
      return;
    }
    rec.started = clock_.wall();
    const store::Event started{0,
                               to_wall_ns(rec.started),
                               clock_.mono_ns(),
                               "session_started",
                               "info",
                               rec.id,
                               details_text({{"protocol", rec.request.protocol},
                                             {"zone", rec.zone},
                                             {"depth_um", rec.depth_um},
                                             {"speed_hz", rec.speed_hz},
                                             {"cartridge", rec.cartridge.serial},
                                             {"operator", rec.request.operator_id},
                                             {"patient", rec.request.patient_ref}}),
                               ""};
    journal_.session_begins(rec.id, armed_from_ns);
    std::string error;
    if (!records_.begin(session_row(rec, "active"), started, error)) {
      // Never a session without its record: back to IDLE, needles retracted.
      journal_.session_ends();
      control::Command off;
      off.kind = control::CommandKind::kDisarm;
      loop_.submit(off, [](control::Verdict, uint32_t) {});
      reply(refused(Outcome::kPrecondition,
                    "the session could not be recorded (" + error + "); the pen is disarmed"),
            rec);
      return;
    }
    book_.begin(rec);
    reply(Outcome{}, rec);
  });
}

Outcome Sessions::owner_check(const std::string& token, const char* verb) {
  if (!book_.current()) return refused(Outcome::kPrecondition, no_active_session());
  if (!book_.is_owner(token)) {
    return refused(Outcome::kPermission,
                   std::string("only the client that started the session may ") + verb + " it");
  }
  return Outcome{};
}

void Sessions::update(const std::string& token, const std::string& zone, int32_t depth_um,
                      double speed_hz, std::vector<Material> more, Reply reply) {
  const auto cur = book_.current();
  if (auto o = owner_check(token, "change"); !o.ok() || !cur) {
    reply(cur ? o : refused(Outcome::kPrecondition, no_active_session()), SessionRecord{});
    return;
  }
  const Protocol& p = *protocols_.find(cur->request.protocol);
  const Settings to =
      resolve_update(p, {cur->zone, cur->depth_um, cur->speed_hz}, zone, depth_um, speed_hz);
  const auto bad = settings_refusals(p, to, cur->cartridge.type, more);
  if (!bad.empty()) {
    reply(refused(Outcome::kInvalid, join(bad)), *cur);
    return;
  }
  const control::Command c =
      session_command(control::CommandKind::kUpdate, p, to, cur->cartridge.type);
  loop_.submit(c, [this, reply, to, more](control::Verdict v, uint32_t detail) {
    if (v != control::Verdict::kAccepted) {
      reply(loop_refused(v, detail, "the update"), book_.current().value_or(SessionRecord{}));
      return;
    }
    book_.update(to.zone, to.depth_um, to.speed_hz, more);
    const auto now = book_.current();
    if (!now) {
      reply(refused(Outcome::kPrecondition, "the session ended meanwhile"), SessionRecord{});
      return;
    }
    journal_.record(
        "session_updated", "info",
        details_text({{"zone", to.zone}, {"depth_um", to.depth_um}, {"speed_hz", to.speed_hz}}),
        now->id);
    reply(Outcome{}, *now);
  });
}

void Sessions::resume(const std::string& token, Reply reply) {
  const auto cur = book_.current();
  if (auto o = owner_check(token, "resume"); !o.ok() || !cur) {
    reply(cur ? o : refused(Outcome::kPrecondition, no_active_session()), SessionRecord{});
    return;
  }
  const auto why = resume_refusals(cur->cartridge.serial, device());
  if (!why.empty()) {
    reply(refused(Outcome::kPrecondition, join(why)), *cur);
    return;
  }
  const control::Command c =
      session_command(control::CommandKind::kArm, *protocols_.find(cur->request.protocol),
                      {cur->zone, cur->depth_um, cur->speed_hz}, cur->cartridge.type);
  const int64_t armed_from_ns = clock_.mono_ns();
  loop_.submit(c, [this, reply, armed_from_ns](control::Verdict v, uint32_t detail) {
    const auto now = book_.current();
    if (v != control::Verdict::kAccepted) {
      reply(loop_refused(v, detail, "arming"), now.value_or(SessionRecord{}));
      return;
    }
    if (!now) {
      reply(refused(Outcome::kPrecondition, "the session ended meanwhile"), SessionRecord{});
      return;
    }
    journal_.session_begins(now->id, armed_from_ns);
    journal_.record(
        "session_resumed", "info",
        details_text(
            {{"zone", now->zone}, {"depth_um", now->depth_um}, {"speed_hz", now->speed_hz}}),
        now->id);
    reply(Outcome{}, *now);
  });
}

void Sessions::end(const std::string& token, Reply reply) {
  if (auto o = owner_check(token, "end"); !o.ok()) {
    reply(o, SessionRecord{});
    return;
  }
  control::Command c;
  c.kind = control::CommandKind::kDisarm;
  loop_.submit(c, [this, reply, token](control::Verdict v, uint32_t) {
    if (v != control::Verdict::kAccepted) {
      reply(loop_refused(v, 0, "ending the session"), book_.current().value_or(SessionRecord{}));
      return;
    }
    journal_.session_ends();
    auto ended = book_.end(token, clock_.wall());
    if (!ended) {
      reply(refused(Outcome::kPrecondition, "the session ended meanwhile"), SessionRecord{});
      return;
    }
    record_ending(*ended, "ended", "");
    reply(Outcome{}, *ended);
  });
}

void Sessions::abort_active(const std::string& reason) {
  journal_.session_ends();
  if (auto ended = book_.end("", clock_.wall())) record_ending(*ended, "aborted", reason);
}

void Sessions::checkpoint() {
  if (const auto cur = book_.current()) records_.checkpoint(session_row(*cur, "active"));
}

void Sessions::record_ending(SessionRecord& r, const std::string& state,
                             const std::string& reason) {
  if (const Protocol* p = protocols_.find(r.request.protocol)) {
    r.materials_missing = materials_missing(*p, r.materials);
  }
  auto row = session_row(r, state);
  row.end_reason = reason;
  store::Details d = {{"strokes", r.stats.strokes()}, {"run_s", r.stats.run_s()}};
  if (!reason.empty()) d["reason"] = reason;
  if (!r.materials_missing.empty()) d["materials_missing"] = r.materials_missing;
  const bool ended = state == "ended";
  records_.finish(
      row, {0, row.ended_wall_ns, clock_.mono_ns(), ended ? "session_ended" : "session_aborted",
            ended ? "info" : "warning", r.id, details_text(d), ""});
}

std::string Sessions::no_active_session() {
  const auto last = records_.last();
  if (!last) return "no active session (none yet)";
  // Says how the last one ended, so "end" twice or after a fault is not a mystery.
  const std::string when = rfc3339(from_wall_ns(last->ended_wall_ns));
  if (last->state == "ended") {
    return "no active session: the last one, " + last->id + ", was ended at " + when;
  }
  if (last->state == "aborted") {
    return "no active session: the last one, " + last->id + ", was aborted at " + when + " (" +
           last->end_reason + ")";
  }
  return "no active session";
}

}  // namespace dermad::treatment
