#include "tests/bench/loop_timing_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermad::bench {

void LatencyHistogram::add(uint32_t us) {
  if (us >= limit_us) {
    ++overflows;
  } else {
    ++counts[us];
  }
  max_us = std::max(max_us, us);
}

uint64_t LatencyHistogram::samples() const {
  uint64_t n = overflows;
  for (const auto& [us, c] : counts) n += c;
  return n;
}

uint64_t LatencyHistogram::above(uint32_t us) const {
  uint64_t n = overflows;
  for (auto it = counts.upper_bound(us); it != counts.end(); ++it) n += it->second;
  return n;
}

uint32_t LatencyHistogram::percentile(double q) const {
  const uint64_t n = samples();
  if (n == 0) return 0;
  // The small epsilon keeps 0.99 * 1000 from rounding up to rank 991.
  const auto rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(n) - 1e-9)));
  uint64_t seen = 0;
  for (const auto& [us, c] : counts) {
    seen += c;
    if (seen >= rank) return us;
  }
  return limit_us;
}

LatencySummary summarize(const LatencyHistogram& h, uint32_t overrun_above_us) {
  LatencySummary s;
  s.samples = h.samples();
  s.p50 = h.percentile(0.50);
  s.p99 = h.percentile(0.99);
  s.p999 = h.percentile(0.999);
  s.max = h.max_us;
  s.overruns = h.above(overrun_above_us);
  s.overflows = h.overflows;
  return s;
}

std::optional<LatencyHistogram> parse_cyclictest_histogram(const std::string& text,
                                                           uint32_t limit_us, std::string& error) {
  LatencyHistogram h;
  h.limit_us = limit_us;
  bool saw_overflow_line = false;
  bool saw_bucket = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    unsigned long long a = 0;
    unsigned long long b = 0;
    if (line[0] == '#') {
      // Trailer lines carry one column per thread; the bench runs one thread.
      if (std::sscanf(line.c_str(), "# Max Latencies: %llu", &a) == 1) {
        h.max_us = std::max(h.max_us, static_cast<uint32_t>(a));
      } else if (std::sscanf(line.c_str(), "# Histogram Overflows: %llu", &a) == 1) {
        h.overflows = a;
        saw_overflow_line = true;
      }
      continue;
    }
    if (std::sscanf(line.c_str(), "%llu %llu", &a, &b) != 2) continue;
    saw_bucket = true;
    if (b == 0) continue;
    const auto us = static_cast<uint32_t>(a);
    h.counts[us] += b;
    h.max_us = std::max(h.max_us, us);
  }
  if (!saw_bucket || !saw_overflow_line) {
    error =
        "cyclictest printed no histogram (expected '<us> <count>' lines and "
        "'# Histogram Overflows')";
    return std::nullopt;
  }
  // cyclictest's own max also covers overflowed samples; without it they are at least this.
  if (h.overflows > 0) h.max_us = std::max(h.max_us, limit_us);
  return h;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

JsonObject& JsonObject::raw(const std::string& key, const std::string& value) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(key) + ':' + value;
  return *this;
}

JsonObject& JsonObject::add(const std::string& key, uint64_t v) {
  return raw(key, std::to_string(v));
}
JsonObject& JsonObject::add(const std::string& key, int64_t v) {
  return raw(key, std::to_string(v));
}
JsonObject& JsonObject::add(const std::string& key, double v) {
  // JSON has no NaN or infinity: an undefined figure is null.
  if (!std::isfinite(v)) return raw(key, "null");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return raw(key, buf);
}
JsonObject& JsonObject::add(const std::string& key, bool v) {
  return raw(key, v ? "true" : "false");
}
JsonObject& JsonObject::add(const std::string& key, const std::string& v) {
  return raw(key, json_quote(v));
}
JsonObject& JsonObject::add(const std::string& key, const JsonObject& v) {
  return raw(key, v.str());
}
JsonObject& JsonObject::add_null(const std::string& key) {
  return raw(key, "null");
}

JsonObject to_json(const LatencySummary& s) {
  JsonObject late;
  late.add("p50", s.p50).add("p99", s.p99).add("p999", s.p999).add("max", s.max);
  JsonObject o;
  o.add("samples", s.samples).add("late_us", late).add("overruns", s.overruns);
  return o;
}

}  // namespace dermad::bench
