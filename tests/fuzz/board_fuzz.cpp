// The board file crosses a trust boundary: whoever ports dermad to a board writes it, and a
// wrong one must be refused with its line, never accepted in a shape the backend would
// misuse (a signal unmapped, a line carrying two signals, a path out of sysfs or /dev).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "daemon/config/board_file.hpp"

namespace {

using namespace dermad::hal;
using dermad::config::parse_board;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(const std::string& s, const std::string& dir) {
  return s.rfind(dir, 0) == 0 && s.find("/../") == std::string::npos && !s.ends_with("/..");
}

void require_name_or_path(const std::string& s, const std::string& dir) {
  require(!s.empty());
  require(s.front() == '/' ? inside(s, dir) : s.find('/') == std::string::npos);
  require(s.find('\0') == std::string::npos && s.find('\n') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto r = parse_board(text, "fuzz.textproto");
  require(r.board.has_value() == r.errors.empty());
  for (const auto& e : r.errors) {
    require(e.rfind("fuzz.textproto:", 0) == 0 && e.size() > 15 && e[15] >= '1' && e[15] <= '9');
  }
  if (!r.board) return 0;
  const auto& b = *r.board;
  require(!b.name.empty());
  std::set<std::pair<std::string, uint32_t>> lines;
  for (const auto& l : b.outputs) {
    require_name_or_path(l.chip, "/dev/");
    require(lines.emplace(l.chip, l.offset).second);
  }
  for (std::size_t i = 0; i < b.inputs.size(); ++i) {
    const auto& l = b.inputs[i];
    require_name_or_path(l.chip, "/dev/");
    require(lines.emplace(l.chip, l.offset).second);
    require(l.debounce_us <= 50'000);
    if (static_cast<InputSignal>(i) == InputSignal::kTach) require(l.debounce_us == 0);
  }
  require_name_or_path(b.drive.chip, "/sys/");
  require(b.drive.period_ns >= 10'000 && b.drive.period_ns <= 1'000'000);
  for (std::size_t i = 0; i < b.analog.size(); ++i) {
    const auto& a = b.analog[i];
    require_name_or_path(a.device, "/sys/");
    require(!a.channel.empty() && a.channel.find('/') == std::string::npos &&
            a.channel.find('.') == std::string::npos);
    require(std::isfinite(a.gain) && a.gain != 0.0 && std::isfinite(a.bias));
    const auto s = static_cast<AnalogSignal>(i);
    if (s == AnalogSignal::kPosition || s == AnalogSignal::kMotorCurrent) require(a.period_ms == 0);
    require(a.period_ms <= 1000);
  }
  require_name_or_path(b.eeprom, "/sys/");
  const auto& g = b.geometry;
  require(g.tach_edges_per_rev >= 1 && g.um_per_step > 0 && g.max_step_rate_hz > 0);
  require(2.0 * b.stepper.min_pulse_ns <= 1e9 / g.max_step_rate_hz);
  return 0;
}
