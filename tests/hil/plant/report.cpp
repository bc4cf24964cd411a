#include "tests/hil/plant/report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dermad::hil {

LatencySummary LatencySummary::of(const Histogram& h) {
  return {h.count(), h.mean_us(), h.percentile_us(0.5), h.percentile_us(0.9), h.percentile_us(0.99),
          h.max_us()};
}

namespace {

// A small JSON writer: keys in order, commas handled, numbers as %.6g or integers.
class Json {
 public:
  Json& open(const char* key, char bracket) {
    this->key(key);
    s_ += bracket;
    first_ = true;
    return *this;
  }
  Json& close(char bracket) {
    s_ += bracket;
    first_ = false;
    return *this;
  }
  Json& num(const char* k, double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return raw(k, b);
  }
  Json& integer(const char* k, int64_t v) { return raw(k, std::to_string(v)); }
  Json& boolean(const char* k, bool v) { return raw(k, v ? "true" : "false"); }
  Json& str(const char* k, const std::string& v) {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) q += c;
    }
    return raw(k, q + '"');
  }
  Json& latency(const char* k, const LatencySummary& l) {
    open(k, '{');
    integer("count", static_cast<int64_t>(l.count)).num("mean", l.mean_us).num("p50", l.p50_us);
    num("p90", l.p90_us).num("p99", l.p99_us).num("max", l.max_us);
    return close('}');
  }
  const std::string& text() const { return s_; }

 private:
  void key(const char* k) {
    if (!first_) s_ += ',';
    first_ = false;
    if (k) (s_ += '"').append(k) += "\":";
  }
  Json& raw(const char* k, const std::string& v) {
    key(k);
    s_ += v;
    return *this;
  }
  std::string s_;
  bool first_ = true;
};

}  // namespace

std::string to_json(const Snapshot& s) {
  Json j;
  j.open(nullptr, '{');
  j.integer("t_ns", s.t_ns).num("uptime_s", static_cast<double>(s.t_ns - s.start_ns) * 1e-9);
  j.open("truth", '{')
      .num("speed_hz", s.speed_hz)
      .num("revolutions", s.revolutions)
      .num("position_um", s.position_um)
      .boolean("home_closed", s.home_closed)
      .integer("lost_steps", s.lost_steps)
      .num("current_a", s.current_a)
      .num("supply_v", s.supply_v)
      .num("force_n", s.force_n)
      .num("temp_c", s.temp_c)
      .close('}');
  j.open("steps", '{')
      .integer("edges", static_cast<int64_t>(s.step_edges))
      .integer("deeper", static_cast<int64_t>(s.steps_deeper))
      .integer("shallower", static_cast<int64_t>(s.steps_shallower))
      .integer("while_disabled", static_cast<int64_t>(s.steps_disabled))
      .integer("dir_setup_violations", static_cast<int64_t>(s.dir_setup_violations))
      .integer("short_pulses", static_cast<int64_t>(s.short_pulses))
      .close('}');
  j.open("tach", '{')
      .boolean("enabled", s.tach_enabled)
      .boolean("level", s.tach_level)
      .integer("rises", static_cast<int64_t>(s.tach_rises))
      .integer("falls", static_cast<int64_t>(s.tach_falls))
      .latency("late_us", s.tach_late)
      .close('}');
  j.open("drive", '{')
      .boolean("enable", s.drive_enable)
      .boolean("brake", s.brake)
      .num("duty", s.duty)
      .integer("enable_rise_ns", s.drive_rise_ns)
      .integer("enable_fall_ns", s.drive_fall_ns);
  j.open("pwm", '{')
      .boolean("exported", s.pwm_exported)
      .boolean("enable", s.pwm_enable)
      .integer("period_ns", s.pwm_period_ns)
      .integer("duty_ns", s.pwm_duty_ns)
      .str("polarity", s.pwm_inversed ? "inversed" : "normal")
      .close('}')
      .close('}');
  j.open("stepper", '{')
      .boolean("dir", s.dir)
      .boolean("enable_phys", s.stepper_enable_phys)
      .close('}');
  j.open("inputs", '{')
      .boolean("estop_pressed", s.estop_pressed)
      .boolean("trigger", s.trigger)
      .boolean("pedal", s.pedal)
      .boolean("cartridge", s.cartridge)
      .close('}');
  j.open("adc_raw", '{');
  static constexpr const char* kAdc[5] = {"current", "position", "force", "supply", "temperature"};
  for (int i = 0; i < 5; ++i) j.integer(kAdc[i], s.adc_raw[i]);
  j.close('}');
  j.open("estop", '[');
  for (const auto& e : s.estops) {
    j.open(nullptr, '{')
        .integer("press_ns", e.press_ns)
        .boolean("drive_was_on", e.drive_was_on)
        .integer("drive_fall_ns", e.drive_fall_ns);
    if (e.drive_fall_ns >= 0) {
      j.num("latency_us", static_cast<double>(e.drive_fall_ns - e.press_ns) / 1e3);
    }
    j.integer("release_ns", e.release_ns).close('}');
  }
  j.close(']');
  j.open("loop", '{')
      .num("rate_hz", s.rate_hz)
      .num("period_us", s.period_us)
      .integer("ticks", static_cast<int64_t>(s.ticks))
      .integer("iterations", static_cast<int64_t>(s.iterations))
      .integer("overruns", static_cast<int64_t>(s.overruns))
      .latency("tick_late_us", s.tick_late)
      .latency("wake_late_us", s.wake_late)
      .num("wake_lead_us", s.wake_lead_us)
      .num("cpu_pct", s.cpu_pct)
      .integer("rt_prio", s.rt_prio)
      .close('}');
  j.open("trace", '{')
      .integer("events", static_cast<int64_t>(s.trace_events))
      .integer("lost", static_cast<int64_t>(s.trace_lost))
      .integer("bad_lines", static_cast<int64_t>(s.trace_bad_lines))
      .integer("resyncs", static_cast<int64_t>(s.trace_resyncs))
      .close('}');
  j.open("errors", '{')
      .integer("bad_commands", static_cast<int64_t>(s.bad_commands))
      .integer("io", static_cast<int64_t>(s.io_errors))
      .integer("inputs_reasserted", static_cast<int64_t>(s.inputs_reasserted))
      .close('}');
  j.open("log", '[');
  for (const auto& l : s.log)
    j.open(nullptr, '{').integer("t_ns", l.t_ns).str("what", l.what).close('}');
  j.close(']');
  j.close('}');
  return j.text() + "\n";
}

bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = tmp + ": " + std::strerror(errno);
    return false;
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    error = tmp + ": " + (n < 0 ? std::strerror(err) : "short write");
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace dermad::hil
