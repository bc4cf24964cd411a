// A treatment session from start to end: the rules (session.hpp) applied in order, the
// loop's verdict awaited, the records written before the needles may run and when they
// stop, the log told where the session begins and ends. Behind ports (session_ports.hpp), so
// every path is unit-tested without gRPC, a loop or a disk; the gRPC service only
// translates. Called from any thread; replies come from the loop port's verdicts (the I/O
// side), or at once when refused before the loop is asked.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/journal.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/session_book.hpp"
#include "daemon/treatment/session_ports.hpp"

namespace dermad::treatment {

// How a request went. The gRPC layer maps each code to one status (api/status_codes).
struct Outcome {
  enum Code {
    kOk,
    kInvalid,       // a value outside what is allowed (whatever else is wrong too)
    kPrecondition,  // the wrong moment: state, alarms, cartridge, no session
    kPermission,    // not the session's owner
    kLoop,          // the loop refused or did not answer: verdict, detail, doing
  };
  Code code = kOk;
  std::string text;  // every reason, "; " between them
  control::Verdict verdict = control::Verdict::kAccepted;
  uint32_t detail = 0;
  std::string doing;  // "arming", "the update", "ending the session"

  bool ok() const { return code == kOk; }
};

class Sessions {
 public:
  // The session as it stands after the request (ended, for end()).
  using Reply = std::function<void(const Outcome&, const SessionRecord&)>;

  // Session ids number on from `sessions_so_far` (the records' count), so they stay unique
  // across restarts.
  Sessions(const ProtocolSet& protocols, LoopPort& loop, SessionStore& records,
           store::Journal& journal, SessionClock& clock, uint64_t sessions_so_far);

  // Arms the pen for a new session once every rule allows it and its row is recorded. The
  // reply's record carries the id and the owner's token.
  void start(StartRequest request, Reply reply);
  // New zone, depth or speed (empty or 0: unchanged) and more materials, by the owner.
  void update(const std::string& token, const std::string& zone, int32_t depth_um, double speed_hz,
              std::vector<Material> more, Reply reply);
  // Arms an interrupted session again (after an alarm), by the owner.
  void resume(const std::string& token, Reply reply);
  // Disarms and records the ending, by the owner.
  void end(const std::string& token, Reply reply);
  // The daemon is stopping: an active session is recorded as aborted with `reason`.
  void abort_active(const std::string& reason);

  // The loop's snapshots into the active session's figures.
  void observe(const control::Snapshot& s) { book_.observe(s); }
  // The active session's summary into its row.
  void checkpoint();

  std::optional<SessionRecord> current() const { return book_.current(); }
  SessionBook& book() { return book_; }
  // "no active session", with how the last one ended.
  std::string no_active_session();

 private:
  // Who may act on the active session: kOk, or why not (no session, not the owner).
  Outcome owner_check(const std::string& token, const char* verb);
  DeviceView device();
  static Outcome refused(Outcome::Code code, std::string text);
  static Outcome loop_refused(control::Verdict v, uint32_t detail, std::string doing);
  // Notes the materials missing on `r`, then records its row and event.
  void record_ending(SessionRecord& r, const std::string& state, const std::string& reason);
  std::string new_id();

  const ProtocolSet& protocols_;
  LoopPort& loop_;
  SessionStore& records_;
  store::Journal& journal_;
  SessionClock& clock_;
  SessionBook book_;
  std::atomic<uint64_t> next_number_;
  // One start at a time: two clients racing must not both arm.
  std::atomic<bool> starting_{false};
};

}  // namespace dermad::treatment
