// dermad-fleet: the fleet's ingest service for dermad pens, and the operations' queries.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/values.hpp"
#include "tools/dermad-fleet/database.hpp"
#include "tools/dermad-fleet/ingest_service.hpp"
#include "tools/dermad-fleet/query.hpp"

namespace {

using namespace dermad::fleet;

constexpr const char* kUsage = R"(usage: dermad-fleet COMMAND [OPTIONS]

The fleet's side of dermad: pens upload their chained records to `serve`; operations read
them with `query`. Records go to PostgreSQL (--database postgresql://...) or, without a
server, to an embedded SQLite file (the default, ./dermad-fleet.sqlite).

commands:
  serve    --listen HOST:PORT --tls-cert PEM --tls-key PEM --client-ca PEM [--database WHERE]
           take uploads; a pen is who its client certificate (signed by --client-ca) says:
           its subject's CN is the device, its O the clinic. Stateless: run as many as you
           like on one PostgreSQL. SIGTERM or Ctrl-C stops it, finishing uploads in flight.
  query    devices|alarms|faults|sessions|clinics|counters|calibrations
           [--device CN] [--clinic O] [--since WHEN] [--json] [--database WHERE]
           WHEN: a UTC time (2026-12-01, 2026-12-01T08:00Z) or an age (30m, 2h, 7d)
  migrate  [--database WHERE]   bring the database's schema to this version and exit
  help     this text

exit status: 0 done, 1 the database or the network failed, 2 a usage error.
Views and fields: docs/FLEET.md.
)";

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Help {};  // --help anywhere: the usage, exit 0

// --name VALUE pairs and bare --flags, each known to the command.
std::map<std::string, std::string> parse(int argc, char** argv, int first,
                                         const std::vector<std::string>& valued,
                                         const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") throw Help();
    if (a.rfind("--", 0) != 0) throw Usage("unexpected argument '" + a + "'");
    a = a.substr(2);
    if (std::find(flags.begin(), flags.end(), a) != flags.end()) {
      out[a] = "1";
    } else if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
      if (i + 1 >= argc) throw Usage("--" + a + " needs a value");
      out[a] = argv[++i];
    } else {
      throw Usage("unknown option --" + a + " (dermad-fleet help)");
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Usage(path + ": " + std::strerror(errno));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<Database> open_or_say(const std::map<std::string, std::string>& o) {
  const auto it = o.find("database");
  const std::string where = it == o.end() ? "dermad-fleet.sqlite" : it->second;
  std::string error;
  auto db = open_database(where, error);
  if (!db) std::cerr << "dermad-fleet: " << error << "\n";
  return db;
}

int serve(const std::map<std::string, std::string>& o) {
  for (const char* need : {"listen", "tls-cert", "tls-key", "client-ca"}) {
    if (!o.count(need)) {
      throw Usage(std::string("serve needs --") + need +
                  " (a pen is known by its client certificate: there is no serving without TLS)");
    }
  }
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = read_file(o.at("client-ca"));
  tls.pem_key_cert_pairs.push_back({read_file(o.at("tls-key")), read_file(o.at("tls-cert"))});
  auto db = open_or_say(o);
  if (!db) return 1;
  IngestService service(*db);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.at("listen"), grpc::SslServerCredentials(tls), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "dermad-fleet: cannot listen on " << o.at("listen") << "\n";
    return 1;
  }
  // Tests ask for port 0 and read the one given from this line.
  std::cout << "dermad-fleet: serving on port " << port << ", schema " << db->schema_version()
            << std::endl;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  int sig = 0;
  sigwait(&stop, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  std::cout << "dermad-fleet: stopped" << std::endl;
  return 0;
}

int query(int argc, char** argv) {
  if (argc < 3)
    throw Usage(
        "query needs what: devices, alarms, faults, sessions, clinics, "
        "counters or calibrations");
  const auto o = parse(argc, argv, 3, {"device", "clinic", "since", "database"}, {"json"});
  QueryOptions q;
  q.what = argv[2];
  q.device = o.count("device") ? o.at("device") : "";
  q.clinic = o.count("clinic") ? o.at("clinic") : "";
  q.json = o.count("json") != 0;
  if (o.count("since")) {
    try {
      q.since_wall_ns =
          dermad::ctl::parse_time_range(o.at("since"), std::nullopt, "").since_wall_ns;
    } catch (const std::exception& e) {
      throw Usage(e.what());
    }
  }
  auto db = open_or_say(o);
  if (!db) return 1;
  std::string error;
  if (!run_query(*db, q, std::cout, error)) {
    std::cerr << "dermad-fleet: " << error << "\n";
    return error.rfind("no query", 0) == 0 || error.rfind("clinics", 0) == 0 ? 2 : 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals for serve are taken by sigwait, in every thread gRPC starts after this.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "--version") {
      std::cout << "dermad-fleet " << DERMAD_VERSION << "\n";
      return 0;
    }
    if (cmd == "serve") {
      return serve(
          parse(argc, argv, 2, {"listen", "tls-cert", "tls-key", "client-ca", "database"}, {}));
    }
    if (cmd == "query") return query(argc, argv);
    if (cmd == "migrate") {
      auto db = open_or_say(parse(argc, argv, 2, {"database"}, {}));
      if (!db) return 1;
      std::cout << "dermad-fleet: schema " << db->schema_version() << "\n";
      return 0;
    }
    throw Usage(cmd.empty() ? "a command is needed" : "no command '" + cmd + "'");
  } catch (const Help&) {
    std::cout << kUsage;
    return 0;
  } catch (const Usage& e) {
    std::cerr << "dermad-fleet: " << e.what() << "\n"
              << (cmd == "serve" || cmd == "query" || cmd == "migrate" ? "" : kUsage);
    return 2;
  }
}
