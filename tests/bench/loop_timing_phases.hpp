// The idle and load phases of loop_timing_bench, and how their figures are reported.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tests/bench/loop_timing_load.hpp"
#include "tests/bench/loop_timing_proc.hpp"
#include "tests/bench/loop_timing_stats.hpp"

namespace dermad::bench {

struct Options {
  int seconds = 60;
  int subscribers = 8;
  std::string board;  // empty: the simulated pen
  bool json_only = false;
};

// The daemon's memory and CPU share over one phase.
struct PhaseUsage {
  double seconds = 0;
  uint64_t rss_kib = 0;  // at the end of the phase
  uint64_t rss_peak_kib = 0;
  double cpu_percent = 0;  // of one core
};

struct Measurement {
  uint32_t period_us = 0;
  bool realtime = false;
  std::string realtime_note;
  PhaseUsage idle;
  PhaseUsage load;
  double bench_cpu_percent = 0;  // this process's client threads during the load

  // Everything below covers the load window: GetStatus at its start and at its end.
  LoadCounters clients;
  uint64_t ticks = 0;
  uint64_t daemon_overruns = 0;
  uint64_t missed_periods = 0;
  uint32_t late_max_since_start_us = 0;
  LatencySummary dermad;       // from the recording subscriber's samples
  uint64_t recorder_gaps = 0;  // window ticks the recording subscriber never saw
  std::string client_error;

  std::optional<LatencySummary> cyclictest;
  std::string cyclictest_note;  // why cyclictest is null
  uint32_t histogram_limit_us = 20000;

  std::string daemon_exit;
};

// One progress line on stderr, unless --json-only.
void progress(const Options& opt, const std::string& line);

bool read_device_info(const std::shared_ptr<grpc::Channel>& channel, Measurement& m,
                      std::string& why);

// No clients: the daemon's cost when nobody watches. False when the daemon went away or
// the run was interrupted.
bool measure_idle(const Options& opt, pid_t daemon, std::chrono::milliseconds length,
                  PhaseUsage& out, const volatile std::sig_atomic_t& interrupted);

// Starts the client load and (when `cyclictest` is a path) cyclictest, runs for
// opt.seconds, and fills the window's figures. False, with `why`, when it could not.
bool measure_load(const Options& opt, const std::shared_ptr<grpc::Channel>& channel,
                  Children& children, const std::string& cyclictest, const std::string& dir,
                  ClientLoad& load, Measurement& m, const volatile std::sig_atomic_t& interrupted,
                  std::string& why);

JsonObject to_json(const Options& opt, const Measurement& m);
// A few lines a person can read, on stderr.
void print_summary(const Measurement& m);

}  // namespace dermad::bench
