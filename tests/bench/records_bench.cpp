// Durable event writes: the store's append (chained, WAL, synchronous=FULL, one transaction
// a batch) against plain SQLite inserts at the same durability, side by side in one run,
// with the device's highest event rate beside them. Prints one JSON object.
//
//   ./dev bench records_bench [--dir DIR] [--commits N]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The control loop's sustained worst case: a state change a tick (a bouncing trigger), a
// cartridge-switch change a tick, and alarm raise/acknowledge pairs (a latching alarm needs
// an acknowledgement before it can be raised again; non-latching ones are debounced over
// tens of ms): about 4 events a tick at 1 kHz. Bursts of up to 26 in one tick go into the
// 4096-slot queue. The recorder commits what it drained every 50 ms.
constexpr double kDeviceEventsPerS = 4000.0;
constexpr double kGoalFactor = 10.0;
constexpr double kDrainS = 0.050;

struct Result {
  int batch = 0;
  int commits = 0;
  double events_per_s = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
};

std::vector<dermad::store::Event> rows(int n, int64_t& t) {
  static const char* const kinds[] = {"state_changed", "alarm_raised", "alarm_acknowledged",
                                      "cartridge_inserted"};
  std::vector<dermad::store::Event> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i, t += 1'000'000) {
    v.push_back({0, 1'764'000'000'000'000'000 + t, t, kinds[i % 4], "info",
                 i % 2 ? "S20261124-101500-17" : "", R"({"from":"ARMED","to":"RUNNING"})", ""});
  }
  return v;
}

Result summarise(int batch, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  double total = 0;
  for (double u : us) total += u;
  Result r;
  r.batch = batch;
  r.commits = static_cast<int>(us.size());
  r.events_per_s = batch * static_cast<double>(us.size()) / (total * 1e-6);
  r.p50_us = us[us.size() / 2];
  r.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  r.max_us = us.back();
  return r;
}

template <class Commit>
std::vector<double> time_commits(int commits, Commit&& commit) {
  for (int i = 0; i < 5; ++i) commit();  // warm the page cache and the WAL
  std::vector<double> us;
  for (int i = 0; i < commits; ++i) {
    const auto t0 = Clock::now();
    commit();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return us;
}

Result bench_store(const std::string& dir, int batch, int commits) {
  dermad::store::Store s;
  std::string err;
  if (!s.open(dir + "/store-" + std::to_string(batch) + ".db", err)) {
    std::fprintf(stderr, "records_bench: %s\n", err.c_str());
    std::exit(1);
  }
  int64_t t = 0;
  auto us = time_commits(commits, [&] {
    auto v = rows(batch, t);
    if (!s.append(v, err)) {
      std::fprintf(stderr, "records_bench: %s\n", err.c_str());
      std::exit(1);
    }
  });
  return summarise(batch, us);
}

// The baseline: the same rows, same durability, no chain hash and no head record.
Result bench_plain(const std::string& dir, int batch, int commits) {
  using dermad::store::Db;
  using dermad::store::Stmt;
  Db db;
  std::string err;
  if (!db.open(dir + "/plain-" + std::to_string(batch) + ".db", true, err) ||
      !db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE events(seq INTEGER PRIMARY KEY, wall_ns INTEGER NOT NULL,"
               " mono_ns INTEGER NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,"
               " session_id TEXT, details TEXT NOT NULL)",
               err)) {
    std::fprintf(stderr, "records_bench: %s\n", err.c_str());
    std::exit(1);
  }
  int64_t t = 0;
  auto us = time_commits(commits, [&] {
    const auto v = rows(batch, t);
    db.exec("BEGIN IMMEDIATE", err);
    Stmt ins(db,
             "INSERT INTO events(wall_ns, mono_ns, kind, severity, session_id, details) "
             "VALUES(?,?,?,?,?,?)");
    for (const auto& e : v) {
      ins.reset();
      ins.bind(1, e.wall_ns).bind(2, e.mono_ns).bind(3, e.kind).bind(4, e.severity);
      ins.bind(5, e.session_id).bind(6, e.details);
      ins.step();
    }
    if (!db.exec("COMMIT", err)) {
      std::fprintf(stderr, "records_bench: %s\n", err.c_str());
      std::exit(1);
    }
  });
  return summarise(batch, us);
}

// Pruning (#15): a store of `total` events as a working pen's (a session start every 50
// events, counters every 100), acknowledged and old, pruned 1000 events a transaction; next
// to a plain DELETE of as many rows at the same durability. Each chunk holds the store's
// lock: the recorder's next commit waits at most that long.
std::pair<Result, Result> bench_prune(const std::string& dir, int total) {
  constexpr int kChunk = 1000;
  dermad::store::Store s;
  std::string err;
  const auto fail = [&] {
    std::fprintf(stderr, "records_bench: %s\n", err.c_str());
    std::exit(1);
  };
  if (!s.open(dir + "/prune.db", err)) fail();
  int64_t t = 0;
  for (int done = 0; done < total; done += 100) {
    auto v = rows(100, t);
    for (int i = 0; i < 100; i += 50) {
      v[static_cast<std::size_t>(i)].kind = "session_started";
      v[static_cast<std::size_t>(i)].details =
          R"({"cartridge":"C)" + std::to_string(done + i) + "\"}";
    }
    v.back().kind = "counters";
    v.back().details = R"({"strokes":0,"motor_run_ms":0,"sessions":0,"faults":0})";
    if (!s.append(v, err)) fail();
  }
  std::vector<double> store_us;
  for (;;) {
    dermad::store::Store::Pruned p;
    const auto t0 = Clock::now();
    if (!s.prune(s.last_seq(), INT64_MAX, kChunk, 0, 0, p, err)) fail();
    if (p.events == 0) break;
    store_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  dermad::store::Db db;
  if (!db.open(dir + "/prune-plain.db", true, err) ||
      !db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE events(seq INTEGER PRIMARY KEY, wall_ns INTEGER NOT NULL,"
               " mono_ns INTEGER NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,"
               " session_id TEXT, details TEXT NOT NULL)",
               err)) {
    fail();
  }
  t = 0;
  db.exec("BEGIN", err);
  {
    dermad::store::Stmt ins(db,
                            "INSERT INTO events(wall_ns, mono_ns, kind, severity, session_id, "
                            "details) VALUES(?,?,?,?,?,?)");
    for (const auto& e : rows(total, t)) {
      ins.reset();
      ins.bind(1, e.wall_ns).bind(2, e.mono_ns).bind(3, e.kind).bind(4, e.severity);
      ins.bind(5, e.session_id).bind(6, e.details);
      ins.step();
    }
  }
  if (!db.exec("COMMIT", err)) fail();
  std::vector<double> plain_us;
  for (int from = 0; from < total; from += kChunk) {
    const auto t0 = Clock::now();
    if (!db.exec("BEGIN IMMEDIATE; DELETE FROM events WHERE seq > " + std::to_string(from) +
                     " AND seq <= " + std::to_string(from + kChunk) + "; COMMIT",
                 err)) {
      fail();
    }
    plain_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return {summarise(kChunk, store_us), summarise(kChunk, plain_us)};
}

void print(const char* name, const Result& r, bool last) {
  std::printf(
      "    {\"writer\": \"%s\", \"batch\": %d, \"commits\": %d, \"events_per_s\": %.0f, "
      "\"commit_p50_us\": %.0f, \"commit_p99_us\": %.0f, \"commit_max_us\": %.0f}%s\n",
      name, r.batch, r.commits, r.events_per_s, r.p50_us, r.p99_us, r.max_us, last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  std::string base = "/var/tmp";
  int commits = 300;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf(
          "usage: records_bench [--dir DIR] [--commits N]\n\n"
          "Durable event writes: dermad's store (hash chain, WAL, synchronous=FULL, one\n"
          "transaction a batch) next to plain SQLite inserts at the same durability, for\n"
          "batches of 1 (a session record), 200 (the device's highest rate drained every\n"
          "50 ms) and 2000 (ten times that); then pruning 100 000 events 1000 a\n"
          "transaction, next to a plain DELETE. Prints one JSON object.\n\n"
          "  --dir DIR    a disk-backed directory for the test files (default /var/tmp)\n"
          "  --commits N  commits measured per case, 20..100000 (default 300; a tenth of it\n"
          "               for batches of 2000)\n");
      return 0;
    }
    if (a == "--dir" && i + 1 < argc) {
      base = argv[++i];
    } else if (a == "--commits" && i + 1 < argc) {
      commits = std::atoi(argv[++i]);
      if (commits < 20 || commits > 100000) {
        std::fprintf(stderr, "records_bench: --commits needs a number in 20..100000\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "records_bench: unknown argument '%s' (see --help)\n", argv[i]);
      return 2;
    }
  }
  const std::string dir = base + "/dermad-records-bench-" + std::to_string(getpid());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "records_bench: cannot create %s: %s\n", dir.c_str(),
                 ec.message().c_str());
    return 1;
  }

  const int batches[] = {1, 200, 2000};
  std::vector<std::pair<Result, Result>> results;
  for (int b : batches) {
    const int n = b >= 2000 ? std::max(20, commits / 10) : commits;
    std::fprintf(stderr, "records_bench: batch %d, %d commits each...\n", b, n);
    results.emplace_back(bench_store(dir, b, n), bench_plain(dir, b, n));
  }
  std::fprintf(stderr, "records_bench: pruning 100000 events...\n");
  const auto pruned = bench_prune(dir, 100000);
  std::filesystem::remove_all(dir, ec);

  // At ten times the device's highest rate the recorder commits 2000 events every 50 ms:
  // it keeps up if such a commit takes less than the drain interval, i.e. the store takes
  // at least 40 000 events/s in batches of 2000.
  const Result& ten_x = results.back().first;
  const double goal = kDeviceEventsPerS * kGoalFactor;
  std::printf("{\n  \"device_events_per_s\": %.0f,\n  \"goal_events_per_s\": %.0f,\n",
              kDeviceEventsPerS, goal);
  std::printf("  \"drain_interval_ms\": %.0f,\n  \"results\": [\n", kDrainS * 1e3);
  for (std::size_t i = 0; i < results.size(); ++i) {
    print("store", results[i].first, false);
    print("plain_sqlite", results[i].second, i + 1 == results.size());
  }
  std::printf("  ],\n  \"prune\": [\n");
  print("store_prune", pruned.first, false);
  print("plain_delete", pruned.second, true);
  // A chunk must not hold the store longer than the recorder's drain interval.
  std::printf("  ],\n  \"met\": %s\n}\n", ten_x.events_per_s >= goal &&
                                                  ten_x.p99_us < kDrainS * 1e6 &&
                                                  pruned.first.max_us < kDrainS * 1e6
                                              ? "true"
                                              : "false");
  return 0;
}
