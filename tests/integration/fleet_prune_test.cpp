// Records growth on the pen (#15), through the real programs: a dermad --sim whose fleet
// file keeps records one second after the fleet has them prunes them, and stays whole: its
// chain verifies from the anchor, a restart trusts it, a pruned session's cartridge stays
// spent, the fleet holds every event once with its chain linked across the prune, and a
// fleet that lost what the pen pruned is told so, never skipped.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "daemon/store/event_log.hpp"
#include "daemon/store/sqlite_db.hpp"
#include "daemon/store/store.hpp"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/fleet_processes.hpp"
#include "tests/integration/fleet_status.hpp"
#include "tests/integration/json_value.hpp"
#include "tests/integration/pen_client.hpp"
#include "tests/integration/tcp_proxy.hpp"
#include "tools/dermad-fleet/database.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

v1::RecordsInfo records_info(DaemonProcess& pen) {
  auto stub = v1::LogService::NewStub(pen.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  v1::RecordsInfo info;
  EXPECT_TRUE(stub->GetRecordsInfo(&ctx, {}, &info).ok());
  return info;
}

std::vector<std::string> verify_problems(DaemonProcess& pen) {
  auto stub = v1::LogService::NewStub(pen.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::VerifyLogResponse r;
  EXPECT_TRUE(stub->VerifyLog(&ctx, {}, &r).ok());
  return {r.problems().begin(), r.problems().end()};
}

CommandResult ctl(const DaemonProcess& d, std::vector<std::string> args) {
  std::vector<std::string> argv = {DERMACTL_BIN, "--socket", d.socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// A session that runs the needles on `cartridge` and ends: strokes, so the counters are
// chained during it.
void run_session(DaemonProcess& d, const std::string& cartridge) {
  PenClient pen;
  pen.connect(d.channel());
  v1::StartSessionResponse started;
  ASSERT_NO_FATAL_FAILURE(pen.arm_session(cartridge, started));
  {
    LinkHolder link(*pen.treatment, started.owner_token());
    ASSERT_TRUE(pen.press_until_running());
    std::this_thread::sleep_for(600ms);
    pen.trigger(false);
    ASSERT_TRUE(
        pen.wait_for([](const v1::Status& s) { return s.state() != v1::STATE_RUNNING; }, 5s));
    grpc::ClientContext ctx;
    v1::EndSessionRequest end;
    end.set_owner_token(started.owner_token());
    v1::SessionSummary summary;
    const auto st = pen.treatment->EndSession(&ctx, end, &summary);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_GT(summary.strokes(), 0u);
  }
  ASSERT_NO_FATAL_FAILURE(pen.remove_cartridge());
}

class FleetPrune : public ::testing::Test {
 protected:
  void SetUp() override { certs_.pen("pen-prune", "Clinic North"); }
  std::string fleet_file(int port, const std::string& retention = "1s") {
    return certs_.fleet_file("pen-prune", port, 0, "retention: \"" + retention + "\"\n");
  }
  // The fleet's rows of the pen, in seq order: seq, hash, verified, kind.
  fleet::Table fleet_rows(const std::string& database) {
    std::string error;
    auto db = fleet::open_database(database, error);
    EXPECT_TRUE(db) << error;
    fleet::Table t;
    if (db) {
      EXPECT_TRUE(
          db->select("SELECT seq, hash, verified, kind FROM events WHERE device = $1 "
                     "ORDER BY seq",
                     {"pen-prune"}, t, error))
          << error;
    }
    return t;
  }

  Certificates certs_;
};

TEST_F(FleetPrune, APenPrunesWhatTheFleetHasAndStaysWhole) {
  const std::string database = certs_.at("fleet.sqlite");
  FleetServer fleet(certs_, database);
  ASSERT_GT(fleet.port(), 0) << fleet.log();
  StateDir dir;
  int64_t pruned = 0;
  {
    DaemonProcess pen({"--state-dir", dir.path(), "--fleet", fleet_file(fleet.port())});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    ASSERT_NO_FATAL_FAILURE(run_session(pen, "CART-PRUNED-1"));
    ASSERT_NO_FATAL_FAILURE(run_session(pen, "CART-PRUNED-2"));
    // Everything up to the second session's strokes is older than a second and the fleet's:
    // pruned, the first session's start with it.
    ASSERT_TRUE(wait_fleet(
        pen,
        [](const v1::FleetStatus& s) {
          return s.pruned_through_seq() > 0 && s.backlog() == 0 && s.last_prune_wall_ns() > 0;
        },
        60s))
        << fleet_status(pen).DebugString() << pen.log();
    const auto st = fleet_status(pen);
    EXPECT_EQ(st.retention(), "1s");
    EXPECT_EQ(st.last_prune_error(), "");
    pruned = st.pruned_through_seq();
    const auto info = records_info(pen);
    EXPECT_GE(info.pruned_through_seq(), pruned);
    EXPECT_TRUE(info.trusted()) << info.untrusted_why();
    EXPECT_TRUE(verify_problems(pen).empty());
    // What a service engineer sees.
    auto r = ctl(pen, {"records"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("pruned: the fleet has them"), std::string::npos) << r.out;
    r = ctl(pen, {"fleet"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("pruning       after 1s once the fleet has them; events up to "),
              std::string::npos)
        << r.out;
    // The first session's start is gone from the pen; its cartridge stays spent.
    PenClient c;
    c.connect(pen.channel());
    c.insert_cartridge("CART-PRUNED-1");
    v1::StartSessionResponse again;
    const grpc::Status refused = c.start(c.good_request(), again);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(refused.error_message().find("CART-PRUNED-1"), std::string::npos)
        << refused.error_message();
    pen.stop(SIGKILL);  // a power cut, with pruning behind it
  }
  // A restart trusts the pruned records (the witness, the chain from the anchor, the
  // counters, the single-use record), and so does `dermad --check`.
  {
    const CommandResult check = run_command({DERMAD_BIN, "--sim", "--check", "--protocols",
                                             DERMAD_PROTOCOLS, "--state-dir", dir.path()});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_NE((check.out + check.err).find("the chain verified"), std::string::npos) << check.err;
    // Without a fleet nothing more is pruned; what was stays as it was.
    DaemonProcess pen({"--state-dir", dir.path()});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    const auto info = records_info(pen);
    EXPECT_TRUE(info.trusted()) << info.untrusted_why();
    EXPECT_GE(info.pruned_through_seq(), pruned);  // more may have gone before the power cut
    pruned = info.pruned_through_seq();
    ASSERT_NO_FATAL_FAILURE(run_session(pen, "CART-PRUNED-3"));
    EXPECT_EQ(records_info(pen).pruned_through_seq(), pruned);
    pen.stop(SIGTERM);
  }
  // Back with the fleet: the rest ships, and prunes.
  {
    DaemonProcess pen({"--state-dir", dir.path(), "--fleet", fleet_file(fleet.port())});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    ASSERT_TRUE(wait_fleet(
        pen,
        [&](const v1::FleetStatus& s) {
          return s.pruned_through_seq() > pruned && s.backlog() == 0;
        },
        60s))
        << fleet_status(pen).DebugString();
    pen.stop(SIGKILL);
  }
  // The fleet holds every event once, in order, each linked to the one before across every
  // prune, up to the pen's cursor at least; the pen's remaining events are the fleet's.
  store::Db db;
  std::string error;
  ASSERT_TRUE(db.open_readonly(dir.path() + "/dermad.db", error)) << error;
  const auto held = store::read_events(db, 0, 1'000'000);
  ASSERT_FALSE(held.empty());
  store::Stmt cursor(db, "SELECT value FROM meta WHERE key = 'fleet_acked_seq'");
  ASSERT_EQ(cursor.step(), SQLITE_ROW);
  const int64_t acked = std::stoll(cursor.text(0));
  const auto anchor = store::pruned_anchor(db);
  EXPECT_EQ(held.front().seq, anchor.seq + 1);
  EXPECT_GT(anchor.seq, pruned);
  const auto rows = fleet_rows(database);
  const auto n = static_cast<int64_t>(rows.rows.size());
  ASSERT_GE(n, acked) << fleet.log();
  ASSERT_LE(n, held.back().seq);
  int prunes = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto& r = rows.rows[static_cast<std::size_t>(i)];
    ASSERT_EQ(r[0], std::to_string(i + 1));
    EXPECT_NE(r[2], "broken") << "seq " << r[0];
    if (r[3] == "records_pruned") ++prunes;
  }
  EXPECT_GE(prunes, 2);
  for (const auto& e : held) {
    if (e.seq > n) break;
    EXPECT_EQ(rows.rows[static_cast<std::size_t>(e.seq - 1)][1], e.hash) << "seq " << e.seq;
  }
}

// The fleet's database lost what the pen pruned (restored from an old backup, or a new one):
// the pen cannot send it again, says so, and neither skips nor loops.
TEST_F(FleetPrune, AFleetThatLostWhatThePenPrunedIsToldSo) {
  FleetServer first(certs_, certs_.at("first.sqlite"));
  ASSERT_GT(first.port(), 0) << first.log();
  TcpProxy proxy(first.port());
  StateDir dir;
  DaemonProcess pen({"--state-dir", dir.path(), "--fleet", fleet_file(proxy.port())});
  ASSERT_TRUE(pen.wait_ready()) << pen.log();
  ASSERT_NO_FATAL_FAILURE(run_session(pen, "CART-LOST-1"));
  ASSERT_NO_FATAL_FAILURE(run_session(pen, "CART-LOST-2"));
  ASSERT_TRUE(wait_fleet(
      pen, [](const v1::FleetStatus& s) { return s.pruned_through_seq() > 0 && s.backlog() == 0; },
      60s))
      << fleet_status(pen).DebugString();
  FleetServer second(certs_, certs_.at("second.sqlite"));  // an empty database
  ASSERT_GT(second.port(), 0) << second.log();
  proxy.retarget(second.port());
  proxy.cut();
  proxy.mend();
  first.stop(SIGKILL);
  PenClient c;
  c.connect(pen.channel());
  c.insert_cartridge("CART-LOST-3");  // something new to send
  ASSERT_TRUE(wait_fleet(
      pen,
      [](const v1::FleetStatus& s) {
        return s.last_error().find("the fleet's database lost them") != std::string::npos;
      },
      60s))
      << fleet_status(pen).DebugString();
  const auto st = fleet_status(pen);
  EXPECT_FALSE(st.connected());
  EXPECT_GE(st.acked_seq(), st.pruned_through_seq());  // the cursor never goes below the anchor
  EXPECT_GT(st.next_attempt_wall_ns(), 0);             // waiting its backoff, not looping
  EXPECT_EQ(fleet_rows(certs_.at("second.sqlite")).rows.size(), 0u);
  EXPECT_TRUE(records_info(pen).trusted());
}

}  // namespace
}  // namespace dermad::test
