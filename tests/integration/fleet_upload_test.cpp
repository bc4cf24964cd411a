// The pens' records reach the fleet through the real programs: several `dermad --sim`, each
// with its own records and certificate, uploading through a proxy that the test cuts and
// slows, to `dermad-fleet` instances on a real PostgreSQL server that are killed and
// restarted, as are the pens. Every event must arrive exactly once, in order, with the pen's
// hashes, and no patient reference in clear.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "daemon/store/event_log.hpp"
#include "daemon/store/sqlite_db.hpp"
#include "daemon/store/store.hpp"
#include "dermad/fleet/v1/ingest.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/fleet_processes.hpp"
#include "tests/integration/fleet_status.hpp"
#include "tests/integration/json_value.hpp"
#include "tests/integration/pen_client.hpp"
#include "tests/integration/postgres_server.hpp"
#include "tests/integration/tcp_proxy.hpp"
#include "tools/dermad-fleet/database.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

// What the pen holds, read from its records file as they are.
std::vector<store::Event> pen_events(const std::string& state_dir) {
  store::Db db;
  std::string error;
  EXPECT_TRUE(db.open_readonly(state_dir + "/dermad.db", error)) << error;
  return store::read_events(db, 0, 1'000'000);
}

// Some of what a working day records: cartridges in and out.
void cartridge_cycles(DaemonProcess& pen, int n, const std::string& prefix) {
  PenClient c;
  c.connect(pen.channel());
  for (int i = 0; i < n; ++i) {
    c.insert_cartridge(prefix + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(c.remove_cartridge());
  }
}

class FleetUpload : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(pg_.start(error)) << error;
    url_ = pg_.create_database("fleet", error);
    ASSERT_FALSE(url_.empty()) << error;
  }
  // The fleet's rows of `device`, in seq order: seq, hash, verified, details, set_aside.
  fleet::Table fleet_rows(const std::string& device) {
    std::string error;
    auto db = fleet::open_database(url_, error);
    EXPECT_TRUE(db) << error;
    fleet::Table t;
    if (db) {
      EXPECT_TRUE(
          db->select("SELECT seq, hash, verified, details, set_aside, kind FROM events "
                     "WHERE device = $1 ORDER BY seq",
                     {device}, t, error))
          << error;
    }
    return t;
  }
  // Every event the pen holds is in the fleet once, in order, with the pen's hash; the
  // chain checked for every one the pen sent whole.
  void expect_same_as_pen(const std::string& device, const std::string& state_dir) {
    const auto pen = pen_events(state_dir);
    const auto rows = fleet_rows(device);
    ASSERT_GT(pen.size(), 10u);
    ASSERT_EQ(rows.rows.size(), pen.size()) << device;
    for (std::size_t i = 0; i < pen.size(); ++i) {
      const auto& r = rows.rows[i];
      ASSERT_EQ(r[0], std::to_string(pen[i].seq)) << device << " row " << i;
      EXPECT_EQ(r[1], pen[i].hash) << device << " seq " << pen[i].seq;
      const bool redacted = pen[i].details.find("\"patient\"") != std::string::npos;
      EXPECT_EQ(r[2], redacted ? "linked" : "chain") << device << " seq " << pen[i].seq;
      if (!redacted) {
        EXPECT_EQ(r[3], pen[i].details) << device << " seq " << pen[i].seq;
      }
    }
  }

  PostgresServer pg_;
  std::string url_;
  Certificates certs_;
};

TEST_F(FleetUpload, PensCutOffRestartedAndRacingIngestsDeliverEveryEventOnceInOrder) {
  FleetServer one(certs_, url_), two(certs_, url_);
  ASSERT_GT(one.port(), 0) << one.log();
  ASSERT_GT(two.port(), 0) << two.log();
  TcpProxy proxy(one.port());
  const std::vector<std::pair<std::string, std::string>> pens{
      {"pen-1", "Clinic North"}, {"pen-2", "Clinic North"}, {"pen-3", "Clinic South"}};
  std::vector<std::unique_ptr<StateDir>> dirs;
  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  auto start_pen = [&](std::size_t i) {
    // Small batches, so a day's events take many uploads and the cuts land among them.
    daemons[i] = std::make_unique<DaemonProcess>(
        std::vector<std::string>{"--state-dir", dirs[i]->path(), "--fleet",
                                 certs_.fleet_file(pens[i].first, proxy.port(), 7)});
    ASSERT_TRUE(daemons[i]->wait_ready()) << daemons[i]->log();
  };
  for (std::size_t i = 0; i < pens.size(); ++i) {
    certs_.pen(pens[i].first, pens[i].second);
    dirs.push_back(std::make_unique<StateDir>());
    daemons.emplace_back();
    start_pen(i);
  }
  // A treatment on pen 1: its patient reference must not leave the pen in clear.
  {
    PenClient c;
    c.connect(daemons[0]->channel());
    v1::StartSessionResponse started;
    c.arm_session("CART-FLEET-1", started);
    grpc::ClientContext ctx;
    v1::EndSessionRequest end;
    end.set_owner_token(started.owner_token());
    v1::SessionSummary summary;
    const auto st = c.treatment->EndSession(&ctx, end, &summary);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // A day with a network: cut, slowed, the ingest killed and another taking over, a pen
  // killed mid-stream and started again on its records.
  for (std::size_t i = 0; i < pens.size(); ++i)
    cartridge_cycles(*daemons[i], 3, "A" + std::to_string(i));
  proxy.cut();
  for (std::size_t i = 0; i < pens.size(); ++i) {
    cartridge_cycles(*daemons[i], 3, "B" + std::to_string(i));
  }
  // Each pen finds the link cut, keeps what it could not send, and says so.
  for (std::size_t i = 0; i < pens.size(); ++i) {
    const auto end = std::chrono::steady_clock::now() + 20s;
    v1::FleetStatus st;
    while ((st = fleet_status(*daemons[i])).connected() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(st.connected()) << pens[i].first;
    EXPECT_GT(st.backlog(), 0) << pens[i].first;
    EXPECT_NE(st.last_error(), "") << pens[i].first;
  }
  proxy.mend();
  proxy.delay_ms(20);
  for (std::size_t i = 0; i < pens.size(); ++i) {
    cartridge_cycles(*daemons[i], 3, "C" + std::to_string(i));
  }
  // The ingest instance dies (a crash mid-upload); the balancer sends the pens to another.
  one.stop(SIGKILL);
  proxy.retarget(two.port());
  proxy.cut();
  proxy.mend();
  proxy.delay_ms(0);
  // A pen dies mid-stream and starts again on its records.
  daemons[1]->stop(SIGKILL);
  for (std::size_t i : {0, 2}) cartridge_cycles(*daemons[i], 3, "D" + std::to_string(i));
  start_pen(1);
  cartridge_cycles(*daemons[1], 3, "E1");
  // A fresh instance replaces the second, which is stopped as an operator would.
  FleetServer three(certs_, url_);
  ASSERT_GT(three.port(), 0) << three.log();
  proxy.retarget(three.port());
  two.stop(SIGTERM);
  for (std::size_t i = 0; i < pens.size(); ++i) {
    cartridge_cycles(*daemons[i], 2, "F" + std::to_string(i));
  }
  // The other two pens restart as well: one stopped as at the end of a day, one cut off.
  daemons[0]->stop(SIGTERM);
  daemons[2]->stop(SIGKILL);
  start_pen(0);
  start_pen(2);
  for (std::size_t i = 0; i < pens.size(); ++i) {
    cartridge_cycles(*daemons[i], 2, "G" + std::to_string(i));
  }

  for (std::size_t i = 0; i < pens.size(); ++i) {
    ASSERT_TRUE(wait_caught_up(*daemons[i], 60s))
        << pens[i].first << ": " << fleet_status(*daemons[i]).DebugString() << three.log();
    const auto st = fleet_status(*daemons[i]);
    EXPECT_TRUE(st.connected());
    EXPECT_EQ(st.set_aside(), 0);
  }
  EXPECT_GT(proxy.accepted(), 3);  // the pens did reconnect after the cuts
  // Stopped, so their records hold still while they are compared.
  for (std::size_t i = 0; i < pens.size(); ++i) daemons[i]->stop(SIGKILL);
  for (std::size_t i = 0; i < pens.size(); ++i) {
    expect_same_as_pen(pens[i].first, dirs[i]->path());
  }
  // The patient reference: its keyed hash only.
  const auto rows = fleet_rows("pen-1");
  int sessions = 0;
  for (const auto& r : rows.rows) {
    EXPECT_EQ(r[3].find("p-17"), std::string::npos) << r[3];
    if (r[5] == "session_started") {
      ++sessions;
      EXPECT_NE(r[3].find("\"patient\":\"hmac-sha256:"), std::string::npos) << r[3];
    }
  }
  EXPECT_EQ(sessions, 1);
  // The clinics are the certificates' O.
  std::string error;
  auto db = fleet::open_database(url_, error);
  ASSERT_TRUE(db) << error;
  fleet::Table t;
  ASSERT_TRUE(db->select("SELECT device, clinic FROM fleet_devices ORDER BY device", {}, t, error))
      << error;
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[2][1], "Clinic South");
  ASSERT_TRUE(db->select("SELECT clinic, sessions FROM fleet_sessions_per_clinic", {}, t, error))
      << error;
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "Clinic North");
  EXPECT_EQ(t.rows[0][1], "1");
  // The session's summary came with its ending: figures, not the screening's findings.
  ASSERT_TRUE(db->select("SELECT state, summary FROM session_summaries WHERE device = 'pen-1'", {},
                         t, error))
      << error;
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "ended");
  EXPECT_NE(t.rows[0][1].find("\"aftercare\""), std::string::npos) << t.rows[0][1];
  EXPECT_EQ(t.rows[0][1].find("findings"), std::string::npos) << t.rows[0][1];
  EXPECT_EQ(t.rows[0][1].find("acknowledged"), std::string::npos) << t.rows[0][1];
  ASSERT_TRUE(
      db->select("SELECT ending, strokes FROM fleet_sessions WHERE device = 'pen-1'", {}, t, error))
      << error;
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "session_ended");
  EXPECT_EQ(t.rows[0][1], "0");  // armed and ended, never run
}

// An event the fleet refuses (here: edited on the pen into details that are not a JSON
// object) is set aside and sent as its place alone; everything after it flows, and the pen
// says how many it set aside. Nothing loops.
TEST_F(FleetUpload, AnEventTheFleetRefusesIsSetAsideAndTheRestArrive) {
  FleetServer fleet(certs_, url_);
  ASSERT_GT(fleet.port(), 0) << fleet.log();
  certs_.pen("pen-edited", "Clinic North");
  StateDir dir;
  {
    DaemonProcess pen({"--state-dir", dir.path()});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    cartridge_cycles(pen, 3, "X");
    pen.stop(SIGTERM);
  }
  {
    store::Db db;
    std::string error;
    ASSERT_TRUE(db.open(dir.path() + "/dermad.db", false, error)) << error;
    ASSERT_TRUE(db.exec("UPDATE events SET details = '[1, 2]' WHERE seq = 5", error)) << error;
  }
  DaemonProcess pen(
      {"--state-dir", dir.path(), "--fleet", certs_.fleet_file("pen-edited", fleet.port())});
  // The broken chain is RECORDS_UNTRUSTED on the pen (no sessions); it still ships them.
  ASSERT_TRUE(pen.wait_ready()) << pen.log();
  v1::FleetStatus st;
  for (int i = 0; i < 300; ++i) {
    st = fleet_status(pen);
    if (st.head_seq() > 0 && st.backlog() == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(st.backlog(), 0) << st.DebugString();
  EXPECT_EQ(st.set_aside(), 1) << st.DebugString();
  EXPECT_TRUE(st.connected()) << st.DebugString();
  pen.stop(SIGKILL);
  const auto rows = fleet_rows("pen-edited");
  const auto held = pen_events(dir.path());
  ASSERT_EQ(rows.rows.size(), held.size());
  for (std::size_t i = 0; i < held.size(); ++i) {
    const auto& r = rows.rows[i];
    EXPECT_EQ(r[1], held[i].hash) << "seq " << held[i].seq;
    if (held[i].seq == 5) {
      EXPECT_EQ(r[2], "linked");
      EXPECT_EQ(r[4], "event seq 5: details are not a JSON object");
      EXPECT_EQ(r[3], "");
    } else {
      EXPECT_EQ(r[4], "") << "seq " << held[i].seq;
      EXPECT_EQ(r[2], "chain") << "seq " << held[i].seq;
    }
  }
}

// A pen whose certificate the fleet's CA did not sign is not let in: nothing is written, and
// the pen says why and keeps its records.
TEST_F(FleetUpload, APenTheFleetDoesNotKnowIsRefusedAndKeepsItsRecords) {
  FleetServer fleet(certs_, url_);
  ASSERT_GT(fleet.port(), 0) << fleet.log();
  certs_.pen("pen-stranger", "Nowhere", "rogue-ca");
  DaemonProcess pen({"--fleet", certs_.fleet_file("pen-stranger", fleet.port())});
  ASSERT_TRUE(pen.wait_ready()) << pen.log();
  v1::FleetStatus st;
  for (int i = 0; i < 100 && st.last_error().empty(); ++i) {
    st = fleet_status(pen);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(st.connected());
  EXPECT_NE(st.last_error(), "") << st.DebugString();
  EXPECT_GT(st.backlog(), 0);
  EXPECT_EQ(st.acked_seq(), 0);
  EXPECT_EQ(fleet_rows("pen-stranger").rows.size(), 0u);
  // dermactl fleet says the same to a service engineer.
  const CommandResult r = run_command({DERMACTL_BIN, "--socket", pen.socket_path(), "fleet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("connected     no"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("acknowledged  up to event 0 of"), std::string::npos) << r.out;
}

// The bandwidth cap holds the upload back: never more bytes than the cap allows for the time
// gone (and one batch), and everything arrives in the end. (An upper bound: a slow machine
// sends less, never more.)
TEST_F(FleetUpload, TheBandwidthCapHoldsTheUploadBack) {
  FleetServer fleet(certs_, url_);
  ASSERT_GT(fleet.port(), 0) << fleet.log();
  certs_.pen("pen-slow-link", "Clinic North");
  StateDir dir;
  {
    DaemonProcess pen({"--state-dir", dir.path()});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    cartridge_cycles(pen, 8, "S");
    pen.stop(SIGTERM);
  }
  DaemonProcess pen(
      {"--state-dir", dir.path(), "--fleet",
       certs_.fleet_file("pen-slow-link", fleet.port(), 4, "max_bytes_per_second: 1024\n")});
  ASSERT_TRUE(pen.wait_ready()) << pen.log();
  const auto t0 = std::chrono::steady_clock::now();
  v1::FleetStatus st;
  int64_t largest_batch = 0, last = 0;
  bool capped = false;
  for (int i = 0; i < 600 && !(st.head_seq() > 0 && st.backlog() == 0); ++i) {
    std::this_thread::sleep_for(100ms);
    st = fleet_status(pen);
    largest_batch = std::max(largest_batch, st.bytes_sent() - last);
    last = st.bytes_sent();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Before the status call, the uploader may have sent one more batch than the time paid for.
    EXPECT_LE(static_cast<double>(st.bytes_sent()), 1024.0 * s + 2.0 * largest_batch)
        << "after " << s << " s";
    capped |= st.backlog() > 0 && s > 2.0;
  }
  EXPECT_EQ(st.backlog(), 0) << st.DebugString();
  EXPECT_GT(st.bytes_sent(), 4096) << "too little to show a cap";
  EXPECT_TRUE(capped) << "the backlog was gone within 2 s: the cap did not hold it back";
}

// A fleet that misbehaves: one that acknowledges nothing is asked again only after a wait
// (never in a tight loop), and one that claims more than it was sent cannot make the pen skip
// events it never sent.
class LyingIngest final : public dermad::fleet::v1::Ingest::Service {
 public:
  explicit LyingIngest(int64_t answer) : answer_(answer) {}
  grpc::Status Upload(grpc::ServerContext*, const dermad::fleet::v1::UploadRequest* req,
                      dermad::fleet::v1::UploadReply* reply) override {
    ++calls;
    last_sent = req->events(req->events_size() - 1).seq();
    reply->set_committed_seq(answer_);
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
  std::atomic<int64_t> last_sent{0};

 private:
  int64_t answer_;
};

TEST(FleetMisbehaving, AFleetThatAcknowledgesNothingOrTooMuchNeitherLoopsNorSkips) {
  Certificates certs;
  certs.pen("pen-1", "Clinic North");
  for (const int64_t answer : {int64_t{0}, int64_t{1'000'000}}) {
    LyingIngest service(answer);
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    std::ifstream ca(certs.at("ca.pem")), key(certs.at("server.key")), cert(certs.at("server.pem"));
    tls.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
    std::string k((std::istreambuf_iterator<char>(key)), {}),
        c((std::istreambuf_iterator<char>(cert)), {});
    tls.pem_key_cert_pairs.push_back({k, c});
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &port);
    builder.RegisterService(&service);
    auto server = builder.BuildAndStart();
    ASSERT_GT(port, 0);
    DaemonProcess pen({"--fleet", certs.fleet_file("pen-1", port, 3)});
    ASSERT_TRUE(pen.wait_ready()) << pen.log();
    std::this_thread::sleep_for(3s);
    const auto st = fleet_status(pen);
    if (answer == 0) {
      // Waits of 0.2..0.4, 0.4..0.8, 0.8..1.6 s: a handful of calls in 3 s, not thousands.
      EXPECT_LE(service.calls.load(), 8) << st.DebugString();
      EXPECT_GE(service.calls.load(), 2) << st.DebugString();
      EXPECT_EQ(st.acked_seq(), 0);
      EXPECT_NE(st.last_error().find("acknowledged none of events 1..3"), std::string::npos)
          << st.DebugString();
    } else {
      // Never past what was sent: every event goes out, in batches, each acknowledged.
      EXPECT_LE(st.acked_seq(), service.last_sent.load());
      EXPECT_EQ(st.acked_seq(), st.head_seq()) << st.DebugString();
      EXPECT_GE(service.calls.load(), static_cast<int>((st.head_seq() + 2) / 3));
    }
    pen.stop(SIGTERM);
    server->Shutdown();
  }
}

// Operations read the fleet from the command line: tables for people, JSON for scripts, the
// usage errors named.
TEST_F(FleetUpload, OperationsQueryTheFleetFromTheCommandLine) {
  FleetServer fleet(certs_, url_);
  ASSERT_GT(fleet.port(), 0) << fleet.log();
  certs_.pen("pen-q", "Clinic East");
  DaemonProcess pen({"--fleet", certs_.fleet_file("pen-q", fleet.port())});
  ASSERT_TRUE(pen.wait_ready()) << pen.log();
  PenClient c;
  c.connect(pen.channel());
  c.estop(true);
  ASSERT_TRUE(c.wait_for([](const v1::Status& s) { return s.state() == v1::STATE_ESTOP; }, 5s));
  // The alarm is recorded within the recorder's next drain, then shipped.
  bool alarm = false;
  for (int i = 0; i < 300 && !alarm; ++i) {
    for (const auto& row : fleet_rows("pen-q").rows) alarm |= row[5] == "alarm_raised";
    if (!alarm) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(alarm) << fleet_status(pen).DebugString();
  const auto q = [&](std::vector<std::string> args) {
    args.insert(args.begin(), DERMAD_FLEET_BIN);
    args.insert(args.end(), {"--database", url_});
    return run_command(args);
  };
  CommandResult r = q({"query", "devices", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto device = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(device) << r.out;
  EXPECT_EQ(device->at("device"), "pen-q");
  EXPECT_EQ(device->at("clinic"), "Clinic East");
  EXPECT_GT(device->at("committed_seq").get<double>(), 5);
  r = q({"query", "alarms", "--device", "pen-q", "--since", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pen-q"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ESTOP"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" raised "), std::string::npos) << r.out;
  r = q({"query", "calibrations", "--clinic", "Clinic East"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sensors"), std::string::npos) << r.out;
  r = q({"query", "devices", "--clinic", "Nowhere"});
  EXPECT_NE(r.out.find("(none)"), std::string::npos) << r.out;
  r = q({"query", "fault"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no query 'fault'; there are devices, alarms, faults"), std::string::npos)
      << r.err;
  r = q({"query", "alarms", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = q({"query", "clinics", "--device", "pen-q"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_command({DERMAD_FLEET_BIN, "serve", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: dermad-fleet"), std::string::npos);
  r = run_command({DERMAD_FLEET_BIN, "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("there is no serving without TLS"), std::string::npos) << r.err;
  r = run_command(
      {DERMAD_FLEET_BIN, "query", "devices", "--database", "postgresql://fleet@127.0.0.1:1/none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("PostgreSQL: connection to server"), std::string::npos) << r.err;
}

// A fleet file that cannot work is refused before anything moves, each problem named.
TEST(FleetFile, DermadCheckNamesEachProblemOfTheFleetFile) {
  char tmpl[] = "/tmp/dermad-fleet-file-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string path = dir + "/fleet.textproto";
  std::ofstream(path) << "endpoint: \"fleet.example\"\n"
                         "cert_file: \"/nonexistent/pen.pem\"\n"
                         "batch_events: 5000\n"
                         "retention: \"1y\"\n";
  const CommandResult r = run_command({DERMAD_BIN, "--sim", "--check", "--protocols",
                                       DERMAD_PROTOCOLS, "--state-dir", dir, "--fleet", path});
  EXPECT_EQ(r.exit_code, 2);
  for (const std::string& want : std::vector<std::string>{
           ":1: endpoint must be the ingest service's HOST:PORT",
           "ca_file must name the fleet service's CA", "/nonexistent/pen.pem: No such file",
           "key_file must name the pen's private key",
           "clinic_key_file must name the clinic's secret", ":3: batch_events must be 1..1000",
           ":4: retention \"1y\" must be a whole number and a unit, s, m, h or d",
           "refusing to start: fix " + path}) {
    EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dermad::test
