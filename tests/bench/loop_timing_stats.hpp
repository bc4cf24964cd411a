// Wake-up lateness statistics shared by both sides of loop_timing_bench, so dermad's
// figures and cyclictest's are computed by one definition and stay comparable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dermad::bench {

// Counts per whole microsecond. Samples at or above `limit_us` are only counted as
// overflows (cyclictest's histogram forgets their value); `max_us` is still exact when
// the source knows it.
struct LatencyHistogram {
  std::map<uint32_t, uint64_t> counts;
  uint64_t overflows = 0;
  uint32_t limit_us = UINT32_MAX;
  uint32_t max_us = 0;

  void add(uint32_t us);
  uint64_t samples() const;
  // Samples strictly above `us`, overflows included.
  uint64_t above(uint32_t us) const;
  // Nearest-rank percentile: the least value that at least a fraction q of the samples do
  // not exceed. A rank that falls among the overflows yields limit_us, a lower bound.
  uint32_t percentile(double q) const;
};

struct LatencySummary {
  uint64_t samples = 0;
  uint32_t p50 = 0;
  uint32_t p99 = 0;
  uint32_t p999 = 0;
  uint32_t max = 0;
  uint64_t overruns = 0;  // samples later than `overrun_above_us`
  uint64_t overflows = 0;
};

LatencySummary summarize(const LatencyHistogram& h, uint32_t overrun_above_us);

// Reads the output of `cyclictest -h LIMIT -q` for one thread: "<us> <count>" lines plus
// the "# Max Latencies" and "# Histogram Overflows" trailer. nullopt and `error` set when
// the text is not such a histogram.
std::optional<LatencyHistogram> parse_cyclictest_histogram(const std::string& text,
                                                           uint32_t limit_us, std::string& error);

// A minimal JSON writer: the bench's output is one object with a fixed shape, so a
// dependency on a JSON library would buy nothing.
class JsonObject {
 public:
  JsonObject& add(const std::string& key, uint64_t v);
  JsonObject& add(const std::string& key, int64_t v);
  JsonObject& add(const std::string& key, int v) { return add(key, static_cast<int64_t>(v)); }
  JsonObject& add(const std::string& key, uint32_t v) { return add(key, uint64_t{v}); }
  JsonObject& add(const std::string& key, double v);
  JsonObject& add(const std::string& key, bool v);
  JsonObject& add(const std::string& key, const std::string& v);
  JsonObject& add(const std::string& key, const char* v) { return add(key, std::string(v)); }
  JsonObject& add(const std::string& key, const JsonObject& v);
  JsonObject& add_null(const std::string& key);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonObject& raw(const std::string& key, const std::string& value);
  std::string body_;
};

std::string json_quote(const std::string& s);
JsonObject to_json(const LatencySummary& s);

}  // namespace dermad::bench
