#include "tests/hil/plant/trace_gpio.hpp"

#include <dirent.h>

#include <charconv>

namespace dermad::hil {

namespace {

// The decimal number at the start of `s`, or false.
bool leading_u64(std::string_view s, uint64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc{} && r.ptr != s.data();
}

}  // namespace

bool GpioTrace::open(const std::string& tracefs, const std::vector<uint32_t>& gpios, int buffer_kb,
                     std::string& error) {
  tracefs_ = tracefs;
  const std::string ev = tracefs + "/events/gpio/gpio_value";
  std::string enabled;
  if (!read_file(ev + "/enable", enabled, error)) return false;
  if (enabled != "1") {
    error = ev + "/enable reads '" + enabled +
            "': the gpio_value tracepoint is off (init.sh enables it)";
    return false;
  }
  std::string filter = "get == 0";
  if (!gpios.empty()) {
    filter += " && (";
    for (std::size_t i = 0; i < gpios.size(); ++i) {
      filter += (i ? " || gpio == " : "gpio == ") + std::to_string(gpios[i]);
    }
    filter += ")";
  }
  if (!write_file(ev + "/filter", filter, error)) return false;
  if (buffer_kb > 0 && !write_file(tracefs + "/buffer_size_kb", std::to_string(buffer_kb), error)) {
    return false;
  }
  // Selecting a clock empties the buffer, so only when it is not selected already.
  std::string clocks;
  if (!read_file(tracefs + "/trace_clock", clocks, error)) return false;
  if (clocks.find("[mono]") == std::string::npos &&
      !write_file(tracefs + "/trace_clock", "mono", error)) {
    return false;
  }
  SysfsFile trace;  // opening "trace" with O_TRUNC empties the buffer
  if (!trace.open(tracefs + "/trace", O_WRONLY | O_TRUNC, error)) return false;
  if (!pipe_.open(tracefs + "/trace_pipe", O_RDONLY | O_NONBLOCK, error)) return false;

  if (DIR* d = opendir((tracefs + "/per_cpu").c_str())) {
    while (const dirent* e = readdir(d)) {
      if (std::string_view(e->d_name).starts_with("cpu")) {
        cpu_stats_.push_back(tracefs + "/per_cpu/" + e->d_name + "/stats");
      }
    }
    closedir(d);
  }
  return true;
}

int GpioTrace::drain(std::vector<GpioTraceEvent>& out, int max_reads) {
  char buf[4096];  // trace_pipe hands out at most a page less one byte per read
  for (int i = 0; i < max_reads; ++i) {
    const ssize_t n = ::read(pipe_.fd(), buf, sizeof buf);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : errno;
    if (n == 0) return 0;
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      const auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(chunk);
        break;
      }
      if (partial_.empty()) {
        parse_line(chunk.substr(0, nl), out);
      } else {
        partial_.append(chunk.substr(0, nl));
        parse_line(partial_, out);
        partial_.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
  return 0;
}

TraceLine parse_trace_line(std::string_view line, GpioTraceEvent& ev, uint64_t& lost) {
  static constexpr std::string_view kTag = ": gpio_value: ";
  const auto tag = line.find(kTag);
  if (tag == std::string_view::npos) {
    const auto l = line.find("[LOST ");
    if (l != std::string_view::npos && leading_u64(line.substr(l + 6), lost)) {
      return TraceLine::kLost;
    }
    return TraceLine::kOther;
  }
  // The timestamp is the word before the tag: "12.345678".
  const auto sp = line.rfind(' ', tag);
  if (sp == std::string_view::npos) return TraceLine::kOther;
  const auto dot = line.find('.', sp);
  uint64_t sec = 0, frac = 0;
  if (dot > tag || !leading_u64(line.substr(sp + 1), sec) ||
      !leading_u64(line.substr(dot + 1, tag - dot - 1), frac)) {
    return TraceLine::kOther;
  }
  int64_t frac_ns = static_cast<int64_t>(frac);
  for (auto digits = tag - dot - 1; digits < 9; ++digits) frac_ns *= 10;

  const std::string_view rest = line.substr(tag + kTag.size());  // "1010 set 1"
  uint64_t gpio = 0, value = 0;
  const auto set = rest.find(" set ");
  if (!leading_u64(rest, gpio) || set == std::string_view::npos ||
      !leading_u64(rest.substr(set + 5), value)) {
    return TraceLine::kOther;  // a "get": the filter should have kept it out
  }
  ev = {static_cast<int64_t>(sec) * 1'000'000'000 + frac_ns, static_cast<uint32_t>(gpio),
        value != 0};
  return TraceLine::kEvent;
}

void GpioTrace::parse_line(std::string_view line, std::vector<GpioTraceEvent>& out) {
  GpioTraceEvent ev;
  uint64_t lost = 0;
  switch (parse_trace_line(line, ev, lost)) {
    case TraceLine::kEvent:
      out.push_back(ev);
      break;
    case TraceLine::kLost:
      lost_in_pipe_ += lost;
      break;
    case TraceLine::kOther:
      if (!line.empty()) ++bad_lines_;
      break;
  }
}

uint64_t GpioTrace::lost() {
  uint64_t overruns = 0;
  for (const auto& path : cpu_stats_) {
    std::string text, error;
    if (!read_file(path, text, error)) continue;
    const auto p = text.find("overrun: ");
    uint64_t n = 0;
    if (p != std::string::npos && leading_u64(std::string_view(text).substr(p + 9), n)) {
      overruns += n;
    }
  }
  return lost_in_pipe_ + overruns;
}

}  // namespace dermad::hil
