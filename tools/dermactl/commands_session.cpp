// session start, update, resume, attach, end, show: TreatmentService sessions. The owner token
// lives in the session file (session_file.hpp), never on the command line, where `ps` shows it.
#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <limits>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/render_session.hpp"
#include "tools/dermactl/session_args.hpp"
#include "tools/dermactl/session_file.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

// Every session command prints each refusal reason on its own line: a clinician must see all
// of them, not the first of a long joined message.
constexpr bool kReasonPerLine = true;

// The session this machine started, or a usage error telling how to start one: without the
// record there is nothing to ask dermad.
SessionRecord owned_session(Context& ctx) {
  std::optional<SessionRecord> record;
  try {
    record = read_session_file(session_file_path());
  } catch (const SessionFileError& e) {
    throw UsageError(std::string(e.what()) + " (run dermactl session start)", ctx.path());
  }
  if (!record) {
    // Say what dermad knows: "end" twice, or after a crash, should not be a mystery.
    v1::SessionSummary last;
    grpc::ClientContext cc;
    cc.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    std::string known;
    if (ctx.client().treatment().GetSession(&cc, v1::GetSessionRequest{}, &last).ok()) {
      if (last.state() == v1::SESSION_STATE_ACTIVE) {
        known =
            "; session " + last.session_id() + " is active, started elsewhere: its owner ends it";
      } else if (last.state() == v1::SESSION_STATE_ENDED) {
        known = "; the last one, " + last.session_id() + ", was ended at " + last.ended_at();
      } else if (last.state() == v1::SESSION_STATE_ABORTED) {
        known = "; the last one, " + last.session_id() + ", was aborted at " + last.ended_at() +
                " (" + last.end_reason() + ")";
      }
    }
    throw UsageError("no session started from this machine" + known +
                         "; run dermactl session start for a new one",
                     ctx.path());
  }
  // Not an error: one daemon has many names (a socket path, localhost:port). A wrong one
  // makes dermad refuse the token, which says enough.
  const std::string& target = ctx.client().target();
  if (!record->target.empty() && record->target != target) {
    std::cerr << "dermactl: note: session " << record->session_id << " was started at "
              << record->target << ", this command asks " << target << "\n";
  }
  return *record;
}

}  // namespace

int run_session_start(Context& ctx, const ParsedArgs& args) {
  const v1::StartSessionRequest req = start_request(args, ctx.path());
  const auto file = session_file_path();
  // Before arming: a session whose token cannot be kept could be ended by no one.
  prepare_session_dir(file);

  v1::StartSessionResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().StartSession(cc, req, &resp);
  });
  if (!st.ok()) return ctx.fail(st, kReasonPerLine);

  v1::SessionInfo info = resp.session();
  if (info.session_id().empty()) info.set_session_id(resp.session_id());
  int exit_code = kExitOk;
  try {
    write_session_file(file, {resp.session_id(), resp.owner_token(), ctx.client().target()});
  } catch (const SessionFileError& e) {
    // The session is armed already. The token is its only key, so this once it is shown
    // (on stderr, away from the normal output) rather than lost.
    std::cerr << "dermactl: session " << resp.session_id()
              << " is armed but its owner token could not be kept: " << e.what()
              << "\ndermactl: owner token: " << resp.owner_token() << "\n";
    exit_code = kExitFailed;
  }
  if (ctx.json()) {
    Json j = session_info_json(info);
    j["owner_token"] = resp.owner_token();
    j["session_file"] = file.string();
    ctx.print(j);
    return exit_code;
  }
  ctx.print("session " + resp.session_id() + " started, state " + state_name(info.state()) +
            "\n  protocol " + info.protocol() + ", zone " + info.zone() + ", depth " +
            std::to_string(info.depth_um()) + " um, speed " + fixed(info.speed_hz(), 1) +
            " Hz\nowner token kept in " + file.string() +
            "\nnext: run `dermactl session attach` and keep it running: the needles run only "
            "while it holds the link");
  return exit_code;
}

int run_session_update(Context& ctx, const ParsedArgs& args) {
  v1::UpdateSessionRequest req = update_request(args, ctx.path());
  req.set_owner_token(owned_session(ctx).owner_token);
  v1::SessionInfo info;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().UpdateSession(cc, req, &info);
  });
  if (!st.ok()) return ctx.fail(st, kReasonPerLine);
  if (ctx.json()) {
    ctx.print(session_info_json(info));
  } else {
    ctx.print("session updated\n" + session_info_text(info));
  }
  return kExitOk;
}

int run_session_resume(Context& ctx, const ParsedArgs&) {
  v1::ResumeSessionRequest req;
  req.set_owner_token(owned_session(ctx).owner_token);
  v1::SessionInfo info;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().ResumeSession(cc, req, &info);
  });
  if (!st.ok()) return ctx.fail(st, kReasonPerLine);
  if (ctx.json()) {
    ctx.print(session_info_json(info));
  } else {
    ctx.print("session resumed\n" + session_info_text(info));
  }
  return kExitOk;
}

int run_session_attach(Context& ctx, const ParsedArgs& args) {
  const auto count_text = args.value("count");
  const std::int64_t count = count_text ? parse_integer(*count_text, "--count", ctx.path(), 0,
                                                        std::numeric_limits<std::int64_t>::max())
                                        : 0;
  const SessionRecord record = owned_session(ctx);
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);

  grpc::ClientContext call;
  auto link = client.treatment().Link(&call);
  CancelOnInterrupt interrupt(call);
  v1::LinkBeat beat;
  beat.set_owner_token(record.owner_token);
  link->Write(beat);
  beat.clear_owner_token();

  // On a terminal: a live view in the foreground, and nothing at all in the background (the
  // link is held quietly; the end is said on stderr). Piped: one line per state.
  const bool terminal = !ctx.json() && isatty(STDOUT_FILENO);
  LiveView<v1::SessionInfo> view("session " + record.session_id + " at " + client.target() +
                                     ": link held, the needles may run; Ctrl-C to let go\n\n",
                                 session_info_text);
  v1::SessionInfo info;
  std::int64_t received = 0;
  bool ended = false;
  while (link->Read(&info)) {
    ++received;
    // Each state read is acknowledged at once: that is the heartbeat the device counts.
    beat.set_ack_seq(info.seq());
    if (!link->Write(beat)) break;
    if (ctx.json()) {
      ctx.print(session_info_json(info));
    } else if (terminal) {
      view.show(info);  // draws only while in the foreground
    } else {
      ctx.print(session_info_line(info));
    }
    // An ended session has nothing left to hold the link for.
    ended = !info.active();
    if (ended || (count > 0 && received >= count)) {
      call.TryCancel();
      break;
    }
  }
  if (terminal) view.finish();
  const bool stopped_here = ended || (count > 0 && received >= count) || interrupt.interrupted();
  // Finish is only valid once no more messages will arrive.
  while (link->Read(&info)) {
  }
  const grpc::Status st = link->Finish();
  if (!stopped_here && !st.ok()) return ctx.fail(st, kReasonPerLine);
  // dermad ends the link with OK when the session has ended.
  ended = ended || (!stopped_here && st.ok());
  if (ended && !ctx.json()) {
    std::cerr << "dermactl: the session " << record.session_id << " ended; the link is let go\n";
  } else if (!ctx.json() && received > 0) {
    std::cerr << "dermactl: link let go: the needles stop until `dermactl session attach` "
                 "holds it again\n";
  }
  return kExitOk;
}

int run_session_end(Context& ctx, const ParsedArgs&) {
  const SessionRecord owned = owned_session(ctx);
  v1::EndSessionRequest req;
  req.set_owner_token(owned.owner_token);
  v1::SessionSummary summary;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().EndSession(cc, req, &summary);
  });
  if (st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    // Ended already (dermad restarted after a crash, or stopped): say how, and forget the
    // token, which opens nothing any more.
    v1::GetSessionRequest get;
    get.set_session_id(owned.session_id);
    v1::SessionSummary was;
    const auto found = ctx.client().unary([&](grpc::ClientContext* cc) {
      return ctx.client().treatment().GetSession(cc, get, &was);
    });
    if (found.ok() && !was.active()) {
      try {
        remove_session_file(session_file_path());
      } catch (const SessionFileError&) {
      }
      std::cerr << "dermactl: session " << owned.session_id << " is over already ("
                << session_state_name(was.state())
                << (was.end_reason().empty() ? "" : ": " + was.end_reason())
                << "); see dermactl session show " << owned.session_id << "\n";
    }
  }
  if (!st.ok()) return ctx.fail(st, kReasonPerLine);
  try {
    remove_session_file(session_file_path());
  } catch (const SessionFileError& e) {
    // The session has ended; a stale token only earns a refusal later.
    std::cerr << "dermactl: note: " << e.what() << "\n";
  }
  if (ctx.json()) {
    ctx.print(summary_json(summary));
  } else {
    ctx.print(summary_text(summary));
  }
  return kExitOk;
}

int run_session_show(Context& ctx, const ParsedArgs& args) {
  if (args.positionals().size() > 1) throw UsageError("give at most one session ID", ctx.path());
  v1::GetSessionRequest req;
  if (!args.positionals().empty()) req.set_session_id(args.positionals().front());
  v1::SessionSummary summary;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().GetSession(cc, req, &summary);
  });
  if (!st.ok()) return ctx.fail(st);
  // An active session is as ARMED or RUNNING as the pen is now.
  v1::State pen = v1::STATE_UNSPECIFIED;
  if (summary.active()) {
    v1::Status status;
    const auto got = ctx.client().unary([&](grpc::ClientContext* cc) {
      return ctx.client().device().GetStatus(cc, v1::GetStatusRequest{}, &status);
    });
    if (got.ok() && status.has_session() && status.session().session_id() == summary.session_id()) {
      pen = status.state();
    }
  }
  if (ctx.json()) {
    Json j = summary_json(summary);
    if (pen != v1::STATE_UNSPECIFIED) j["pen_state"] = std::string(v1::State_Name(pen)).substr(6);
    ctx.print(j);
  } else {
    ctx.print(summary_text(summary, pen));
  }
  return kExitOk;
}

}  // namespace dermad::ctl
