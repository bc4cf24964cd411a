// The fleet's ingest under load, and what uploading costs a pen. Prints one JSON object per
// line:
//  - ingest: events per second into one PostgreSQL, from 100 and from 1000 simulated pens
//    (light clients that speak the real protocol, each with its own certificate), through one
//    and two dermad-fleet instances, beside the baseline of the same upload transactions run
//    in-process (no gRPC, no TLS: the database's own ceiling through our SQL);
//  - growth: the fleet database's bytes per event;
//  - pen: dermad's CPU time for the same burst of events with and without --fleet.
//
//   ./dev bench fleet_ingest_bench [--events N] [--threads T]
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/fleet/redact.hpp"
#include "daemon/store/event_log.hpp"
#include "dermad/fleet/v1/ingest.grpc.pb.h"
#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "tests/integration/fleet_processes.hpp"
#include "tests/integration/postgres_server.hpp"
#include "tools/dermad-fleet/database.hpp"

namespace {

using namespace dermad;
using Clock = std::chrono::steady_clock;
constexpr int kBatch = 100;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A pen's chain as its store makes it: state changes, alarms and counters, with their hashes.
std::vector<fleet::v1::Event> chain(int n, int pen) {
  std::vector<fleet::v1::Event> out;
  std::string prev = store::kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    store::Event s{i,
                   1'796'000'000'000'000'000 + i * 1'000'000'000LL + pen,
                   i * 1000LL,
                   "state_changed",
                   "info",
                   "",
                   R"({"from":"ARMED","to":"RUNNING"})",
                   ""};
    if (i % 5 == 0) {
      s.kind = "counters";
      s.details = R"({"strokes":)" + std::to_string(i * 1000) +
                  R"(,"motor_run_ms":120000,"sessions":3,"faults":0})";
    } else if (i % 7 == 0) {
      s.kind = "alarm_raised";
      s.severity = "alarm";
      s.details = R"({"code":"MOTOR_STALL"})";
    }
    s.hash = store::chain_hash(prev, s);
    prev = s.hash;
    out.push_back(fleet::outgoing(s, ""));  // as the pen sends it
  }
  return out;
}

fleet::v1::UploadRequest batch(const std::vector<fleet::v1::Event>& c, int64_t after) {
  fleet::v1::UploadRequest r;
  r.set_prev_hash(after == 0 ? store::kGenesisHash : c[static_cast<std::size_t>(after - 1)].hash());
  for (int64_t i = after; i < std::min<int64_t>(after + kBatch, static_cast<int64_t>(c.size()));
       ++i) {
    *r.add_events() = c[static_cast<std::size_t>(i)];
  }
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  double seconds = 0;
  int64_t events = 0;
  int failures = 0;
};

// Each of `threads` clients takes the next pen and uploads its whole chain, resuming from
// what the fleet says it holds. `upload` sends one batch for pen p; false on failure.
template <class Upload>
Run drive(int pens, int events_per_pen, int threads, Upload upload) {
  std::vector<std::vector<fleet::v1::Event>> chains;
  for (int p = 0; p < pens; ++p) chains.push_back(chain(events_per_pen, p));
  std::atomic<int> next{0}, failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int p; (p = next++) < pens;) {
        int64_t committed = 0;
        while (committed < events_per_pen) {
          if (!upload(p, batch(chains[static_cast<std::size_t>(p)], committed), committed)) {
            ++failures;
            break;
          }
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  return {seconds_since(t0), int64_t{pens} * events_per_pen, failures.load()};
}

void print_ingest(const char* through, int instances, int pens, const Run& r) {
  std::printf(
      "{\"bench\":\"ingest\",\"through\":\"%s\",\"instances\":%d,\"pens\":%d,\"events\":%lld,"
      "\"seconds\":%.2f,\"events_per_s\":%.0f,\"failures\":%d}\n",
      through, instances, pens, static_cast<long long>(r.events), r.seconds,
      static_cast<double>(r.events) / r.seconds, r.failures);
  std::fflush(stdout);
}

int64_t database_bytes(const std::string& url) {
  std::string error;
  auto db = fleet::open_database(url, error);
  fleet::Table t;
  if (!db || !db->select("SELECT pg_total_relation_size('events') + "
                         "pg_total_relation_size('devices')",
                         {}, t, error)) {
    return 0;
  }
  return std::stoll(t.rows[0][0]);
}

// dermad's user+system CPU time in ms, from /proc.
double cpu_ms(pid_t pid) {
  std::istringstream s(read_file("/proc/" + std::to_string(pid) + "/stat"));
  std::string field;
  for (int i = 1; i <= 13 && s >> field; ++i) {
  }
  long utime = 0, stime = 0;
  s >> utime >> stime;
  return 1000.0 * static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A burst of events on a running dermad: e-stop pressed, released, acknowledged, `cycles`
// times; then waits until `settled` says the pen is done (its fleet backlog empty).
struct PenCost {
  double cpu_ms = 0;
  int64_t events = 0;
  double seconds = 0;
};

PenCost pen_burst(const std::vector<std::string>& extra, int cycles) {
  char tmpl[] = "/tmp/dermad-bench-pen-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string socket = dir + "/dermad.sock";
  std::vector<std::string> args{
      DERMAD_BIN,    "--sim", "--socket",        socket, "--protocols", DERMAD_PROTOCOLS,
      "--state-dir", dir,     "--loop-stall-ms", "1000"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open((dir + "/dermad.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    close_range(3, ~0U, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto device = v1::DeviceService::NewStub(channel);
  auto sim = v1::Simulator::NewStub(channel);
  auto logs = v1::LogService::NewStub(channel);
  for (int i = 0; i < 500; ++i) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    v1::Status st;
    if (device->GetStatus(&ctx, {}, &st).ok() && st.state() == v1::STATE_IDLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto status = [&] {
    grpc::ClientContext ctx;
    v1::FleetStatus f;
    logs->GetFleetStatus(&ctx, {}, &f);
    return f;
  };
  const int64_t head0 = status().head_seq();
  const double cpu0 = cpu_ms(pid);
  const auto t0 = Clock::now();
  for (int i = 0; i < cycles; ++i) {
    for (bool on : {true, false}) {
      grpc::ClientContext ctx;
      v1::SetSwitchRequest req;
      req.set_on(on);
      v1::SimAck ack;
      sim->SetEstop(&ctx, req, &ack);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a tick or three apart
    }
    grpc::ClientContext ctx;
    v1::AcknowledgeAlarmsResponse acked;
    device->AcknowledgeAlarms(&ctx, {}, &acked);
  }
  // Done when the records have everything and, with a fleet, the fleet has it too.
  const bool fleet = !extra.empty();
  for (int i = 0; i < 600; ++i) {
    const auto f = status();
    if (!fleet || f.backlog() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  PenCost c{cpu_ms(pid) - cpu0, status().head_seq() - head0, seconds_since(t0)};
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  int total_events = 100'000, threads = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") total_events = std::atoi(argv[i + 1]);
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
  }
  test::PostgresServer pg;
  std::string error;
  if (!pg.start(error)) {
    std::fprintf(stderr, "fleet_ingest_bench: PostgreSQL: %s\n", error.c_str());
    return 1;
  }
  test::Certificates certs;
  std::fprintf(stderr, "fleet_ingest_bench: making 1000 pens' certificates\n");
  for (int p = 0; p < 1000; ++p)
    certs.pen("pen-" + std::to_string(p), "Clinic " + std::to_string(p % 50));
  const std::string ca = read_file(certs.at("ca.pem"));
  int database = 0;

  for (const int pens : {100, 1000}) {
    const int per_pen = total_events / pens;
    // The baseline: the same transactions, in-process.
    {
      const std::string url = pg.create_database("fleet_" + std::to_string(++database), error);
      auto db = fleet::open_database(url, error);
      if (!db) {
        std::fprintf(stderr, "fleet_ingest_bench: %s\n", error.c_str());
        return 1;
      }
      const Run r =
          drive(pens, per_pen, threads,
                [&](int p, const fleet::v1::UploadRequest& req, int64_t& committed) {
                  std::string e;
                  return db->upload({"pen-" + std::to_string(p), "Clinic"}, req, 1, committed, e);
                });
      print_ingest("in-process", 0, pens, r);
      if (pens == 1000) {
        const int64_t bytes = database_bytes(url);
        std::printf(
            "{\"bench\":\"growth\",\"events\":%lld,\"database_bytes\":%lld,"
            "\"bytes_per_event\":%.0f}\n",
            static_cast<long long>(r.events), static_cast<long long>(bytes),
            static_cast<double>(bytes) / static_cast<double>(r.events));
      }
    }
    for (const int instances : {1, 2}) {
      const std::string url = pg.create_database("fleet_" + std::to_string(++database), error);
      std::vector<std::unique_ptr<test::FleetServer>> servers;
      for (int i = 0; i < instances; ++i) {
        servers.push_back(std::make_unique<test::FleetServer>(certs, url));
        if (servers.back()->port() == 0) {
          std::fprintf(stderr, "fleet_ingest_bench: dermad-fleet: %s\n",
                       servers.back()->log().c_str());
          return 1;
        }
      }
      // Each pen its own channel and certificate, to the instance a balancer would pick.
      std::vector<std::unique_ptr<fleet::v1::Ingest::Stub>> stubs;
      for (int p = 0; p < pens; ++p) {
        grpc::SslCredentialsOptions tls;
        tls.pem_root_certs = ca;
        tls.pem_cert_chain = read_file(certs.at("pen-" + std::to_string(p) + ".pem"));
        tls.pem_private_key = read_file(certs.at("pen-" + std::to_string(p) + ".key"));
        grpc::ChannelArguments args;
        args.SetSslTargetNameOverride("localhost");
        stubs.push_back(fleet::v1::Ingest::NewStub(grpc::CreateCustomChannel(
            "127.0.0.1:" + std::to_string(servers[static_cast<std::size_t>(p % instances)]->port()),
            grpc::SslCredentials(tls), args)));
      }
      const Run r =
          drive(pens, per_pen, threads,
                [&](int p, const fleet::v1::UploadRequest& req, int64_t& committed) {
                  grpc::ClientContext ctx;
                  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
                  fleet::v1::UploadReply reply;
                  if (!stubs[static_cast<std::size_t>(p)]->Upload(&ctx, req, &reply).ok())
                    return false;
                  committed = reply.committed_seq();
                  return true;
                });
      print_ingest("dermad-fleet", instances, pens, r);
    }
  }

  // The pen's side: the same burst with and without uploading, one after the other.
  test::FleetServer server(certs, pg.create_database("fleet_pen", error));
  const PenCost without = pen_burst({}, 1000);
  const PenCost with = pen_burst({"--fleet", certs.fleet_file("pen-0", server.port())}, 1000);
  for (const auto& [name, c] : {std::pair{"without", without}, std::pair{"with", with}}) {
    std::printf(
        "{\"bench\":\"pen\",\"fleet\":\"%s\",\"events\":%lld,\"seconds\":%.2f,"
        "\"events_per_s\":%.0f,\"cpu_ms\":%.0f,\"cpu_ms_per_1000_events\":%.1f}\n",
        name, static_cast<long long>(c.events), c.seconds,
        static_cast<double>(c.events) / c.seconds, c.cpu_ms,
        1000.0 * c.cpu_ms / static_cast<double>(std::max<int64_t>(1, c.events)));
  }
  return 0;
}
