#include "daemon/config/board_file.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "daemon/config/text_format.hpp"
#include "dermad/v1/board.pb.h"

namespace dermad::config {

using namespace dermad::hal;

namespace pb = google::protobuf;

namespace {

using Tree = LocationTree;

const Tree* nested(const Tree* tree, const pb::Message& m, const char* name, int index) {
  if (tree == nullptr) return nullptr;
  const auto* f = m.GetDescriptor()->FindFieldByName(name);
  return f == nullptr ? nullptr : tree->GetTreeForNested(f, f->is_repeated() ? index : -1);
}

// A name is one path component; a path is absolute, under the folder it must be under, and
// never climbs out of it.
bool is_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.find('/') == std::string::npos && s != "." &&
         s != ".." && s.find_first_of(std::string("\0\n", 2)) == std::string::npos;
}
bool is_path_under(const std::string& s, std::string_view dir) {
  return s.size() > dir.size() && s.size() <= 256 && s.compare(0, dir.size(), dir) == 0 &&
         s.find("/../") == std::string::npos &&
         s.find_first_of(std::string("\0\n", 2)) == std::string::npos && !s.ends_with("/..");
}
bool is_channel(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

class Checker {
 public:
  Checker(std::string source, const Tree& root, std::vector<std::string>& errors)
      : source_(std::move(source)), root_(root), errors_(errors) {}

  BoardSpec check(const v1::Board& b) {
    BoardSpec spec;
    spec.source = source_;
    spec.name = b.name();
    if (!is_name(b.name()) && !b.name().empty()) {
      error(line_of(&root_, b, "name", -1, 1), "name", "must be a plain name without '/'");
    }
    if (b.name().empty()) error(1, "name", "the board has no name");
    outputs(b, spec);
    inputs(b, spec);
    drive(b, spec);
    analogs(b, spec);
    eeprom(b, spec);
    stepper(b, spec);
    mechanics(b, spec);
    identity(b, spec);
    return spec;
  }

 private:
  void identity(const v1::Board& b, BoardSpec& spec) {
    if (!b.has_identity()) return;
    const auto& id = b.identity();
    spec.serial_file = id.serial_file();
    spec.hardware_revision = id.hardware_revision();
    if (!id.serial_file().empty() && !is_path_under(id.serial_file(), "/")) {
      error(line_of(nested(&root_, b, "identity", -1), id, "serial_file", -1, 1),
            "identity.serial_file",
            "must be an absolute path without '..', got '" + id.serial_file() + "'");
    }
  }

  void error(int line, const std::string& field, const std::string& msg) {
    errors_.push_back(source_ + ":" + std::to_string(line) + ": " + field + ": " + msg);
  }

  // A chip's line may carry one signal only: two would fight, or one would read the other.
  void claim(const std::string& chip, uint32_t offset, std::string_view signal, int line,
             const std::string& field) {
    const auto key = chip + ":" + std::to_string(offset);
    const auto [it, fresh] = claimed_.try_emplace(key, std::pair{std::string(signal), line});
    if (!fresh) {
      error(line, field,
            "line " + std::to_string(offset) + " of chip '" + chip + "' is already " +
                it->second.first + " (line " + std::to_string(it->second.second) + ")");
    }
  }

  void check_chip(const std::string& chip, int line, const std::string& field) {
    if (chip.empty()) {
      error(line, field, "no chip");
    } else if (chip.front() == '/' ? !is_path_under(chip, "/dev/") : !is_name(chip)) {
      error(line, field, "'" + chip + "' is neither a chip's label or name nor a /dev path");
    }
  }

  void outputs(const v1::Board& b, BoardSpec& spec) {
    std::array<int, kOutputCount> seen{};
    for (int i = 0; i < b.output_size(); ++i) {
      const auto& o = b.output(i);
      const int at = line_of(&root_, b, "output", i, 1);
      const Tree* t = nested(&root_, b, "output", i);
      const int sig = static_cast<int>(o.signal()) - 1;
      if (sig < 0 || sig >= static_cast<int>(kOutputCount)) {
        error(line_of(t, o, "signal", -1, at), "output.signal", "no signal, or an unknown one");
        continue;
      }
      const auto name = kOutputNames[static_cast<std::size_t>(sig)];
      if (seen[static_cast<std::size_t>(sig)] != 0) {
        error(line_of(t, o, "signal", -1, at), "output.signal",
              std::string(name) + " is mapped twice (first at line " +
                  std::to_string(seen[static_cast<std::size_t>(sig)]) + ")");
        continue;
      }
      seen[static_cast<std::size_t>(sig)] = at;
      check_chip(o.chip(), line_of(t, o, "chip", -1, at), "output.chip");
      claim(o.chip(), o.line(), name, line_of(t, o, "line", -1, at), "output.line");
      auto& l = spec.outputs[static_cast<std::size_t>(sig)];
      l.chip = o.chip();
      l.offset = o.line();
      l.active_low = o.active_low();
      l.file_line = at;
    }
    for (std::size_t s = 0; s < kOutputCount; ++s) {
      if (seen[s] == 0) error(1, "output", std::string(kOutputNames[s]) + " is not mapped");
    }
  }

  void inputs(const v1::Board& b, BoardSpec& spec) {
    std::array<int, kInputCount> seen{};
    for (int i = 0; i < b.input_size(); ++i) {
      const auto& in = b.input(i);
      const int at = line_of(&root_, b, "input", i, 1);
      const Tree* t = nested(&root_, b, "input", i);
      const int sig = static_cast<int>(in.signal()) - 1;
      if (sig < 0 || sig >= static_cast<int>(kInputCount)) {
        error(line_of(t, in, "signal", -1, at), "input.signal", "no signal, or an unknown one");
        continue;
      }
      const auto s = static_cast<std::size_t>(sig);
      if (seen[s] != 0) {
        error(line_of(t, in, "signal", -1, at), "input.signal",
              std::string(kInputNames[s]) + " is mapped twice (first at line " +
                  std::to_string(seen[s]) + ")");
        continue;
      }
      seen[s] = at;
      check_chip(in.chip(), line_of(t, in, "chip", -1, at), "input.chip");
      claim(in.chip(), in.line(), kInputNames[s], line_of(t, in, "line", -1, at), "input.line");
      const bool tach = static_cast<InputSignal>(sig) == InputSignal::kTach;
      // A bounce longer than this is a broken switch, and the e-stop's release, the trigger
      // and the home switch must not lag by more than a few ticks.
      if (in.debounce_us() > 50'000) {
        error(line_of(t, in, "debounce_us", -1, at), "input.debounce_us",
              std::to_string(in.debounce_us()) + " us is over the 50000 us a switch may bounce");
      }
      if (tach && in.debounce_us() != 0) {
        error(line_of(t, in, "debounce_us", -1, at), "input.debounce_us",
              "TACH edges are timestamps: a debounce would drop them at speed");
      }
      if (!tach && in.edge() != v1::EDGE_UNSPECIFIED) {
        error(line_of(t, in, "edge", -1, at), "input.edge",
              "only TACH counts edges; other inputs follow their level");
      }
      auto& l = spec.inputs[s];
      l.chip = in.chip();
      l.offset = in.line();
      l.active_low = in.active_low();
      l.debounce_us = in.debounce_us();
      l.edge = in.edge() == v1::FALLING ? TachEdge::kFalling
               : in.edge() == v1::BOTH  ? TachEdge::kBoth
                                        : TachEdge::kRising;
      l.file_line = at;
    }
    for (std::size_t s = 0; s < kInputCount; ++s) {
      if (seen[s] == 0) error(1, "input", std::string(kInputNames[s]) + " is not mapped");
    }
  }

  void drive(const v1::Board& b, BoardSpec& spec) {
    if (!b.has_needle_drive()) {
      error(1, "needle_drive", "the needle drive's PWM is not mapped");
      return;
    }
    const auto& p = b.needle_drive();
    const int at = line_of(&root_, b, "needle_drive", -1, 1);
    const Tree* t = nested(&root_, b, "needle_drive", -1);
    if (p.chip().empty() ||
        (p.chip().front() == '/' ? !is_path_under(p.chip(), "/sys/") : !is_name(p.chip()))) {
      error(
          line_of(t, p, "chip", -1, at), "needle_drive.chip",
          p.chip().empty() ? "no pwmchip" : "'" + p.chip() + "' is neither a name nor a /sys path");
    }
    // 1 to 100 kHz: slower is heard and felt as ripple, faster heats the H-bridge.
    if (p.period_ns() < 10'000 || p.period_ns() > 1'000'000) {
      error(line_of(t, p, "period_ns", -1, at), "needle_drive.period_ns",
            std::to_string(p.period_ns()) + " ns is outside 10000..1000000 (100 kHz..1 kHz)");
    }
    if (p.channel() > 255) {
      error(line_of(t, p, "channel", -1, at), "needle_drive.channel",
            std::to_string(p.channel()) + " is not a PWM channel");
    }
    spec.drive = {p.chip(), p.channel(), p.period_ns(), p.inverted(), at};
  }

  void analogs(const v1::Board& b, BoardSpec& spec) {
    std::array<int, kAnalogCount> seen{};
    for (int i = 0; i < b.analog_size(); ++i) {
      const auto& a = b.analog(i);
      const int at = line_of(&root_, b, "analog", i, 1);
      const Tree* t = nested(&root_, b, "analog", i);
      const int sig = static_cast<int>(a.signal()) - 1;
      if (sig < 0 || sig >= static_cast<int>(kAnalogCount)) {
        error(line_of(t, a, "signal", -1, at), "analog.signal", "no signal, or an unknown one");
        continue;
      }
      const auto s = static_cast<std::size_t>(sig);
      const auto name = std::string(kAnalogNames[s]);
      if (seen[s] != 0) {
        error(line_of(t, a, "signal", -1, at), "analog.signal",
              name + " is mapped twice (first at line " + std::to_string(seen[s]) + ")");
        continue;
      }
      seen[s] = at;
      auto& spec_a = spec.analog[s];
      spec_a.file_line = at;
      const bool iio = a.source_case() == v1::Analog::kIioDevice;
      const std::string& device = iio ? a.iio_device() : a.hwmon_device();
      const char* field = iio ? "iio_device" : "hwmon_device";
      const std::string_view under = iio ? "/sys/bus/iio/devices/" : "/sys/class/hwmon/";
      if (a.source_case() == v1::Analog::SOURCE_NOT_SET) {
        error(at, "analog", name + " has neither iio_device nor hwmon_device");
      } else if (device.empty() ||
                 (device.front() == '/' ? !is_path_under(device, under) : !is_name(device))) {
        error(line_of(t, a, field, -1, at), std::string("analog.") + field,
              "'" + device + "' is neither a device name nor a path under " + std::string(under));
      }
      if (!is_channel(a.channel())) {
        error(line_of(t, a, "channel", -1, at), "analog.channel",
              "'" + a.channel() + "' is not a channel (lower case letters, digits, '_')");
      }
      const double gain = a.gain() == 0.0 ? 1.0 : a.gain();
      if (!std::isfinite(gain) || !std::isfinite(a.bias())) {
        error(line_of(t, a, std::isfinite(gain) ? "bias" : "gain", -1, at), "analog",
              name + ": gain and bias must be finite numbers");
      }
      // The depth controller and the overcurrent monitor act on these every tick.
      const auto signal = static_cast<AnalogSignal>(sig);
      const bool fast = signal == AnalogSignal::kPosition || signal == AnalogSignal::kMotorCurrent;
      if (fast && a.period_ms() != 0) {
        error(line_of(t, a, "period_ms", -1, at), "analog.period_ms",
              name + " is read every tick: the depth controller and the current monitor act on it");
      } else if (a.period_ms() > 1000) {
        error(line_of(t, a, "period_ms", -1, at), "analog.period_ms",
              std::to_string(a.period_ms()) + " ms is over the 1000 ms a monitor may wait");
      }
      spec_a.source = iio ? AnalogSpec::Source::kIio : AnalogSpec::Source::kHwmon;
      spec_a.device = device;
      spec_a.channel = a.channel();
      spec_a.gain = gain;
      spec_a.bias = a.bias();
      spec_a.period_ms = a.period_ms();
    }
    for (std::size_t s = 0; s < kAnalogCount; ++s) {
      if (seen[s] == 0) error(1, "analog", std::string(kAnalogNames[s]) + " is not mapped");
    }
  }

  void eeprom(const v1::Board& b, BoardSpec& spec) {
    const int at = line_of(&root_, b, "cartridge_eeprom", -1, 1);
    const Tree* t = nested(&root_, b, "cartridge_eeprom", -1);
    const auto& e = b.cartridge_eeprom();
    const int line = line_of(t, e, "nvmem", -1, at);
    if (e.nvmem().empty()) {
      error(line, "cartridge_eeprom.nvmem", "the cartridge EEPROM is not mapped");
    } else if (e.nvmem().front() == '/' ? !is_path_under(e.nvmem(), "/sys/")
                                        : !is_name(e.nvmem())) {
      error(line, "cartridge_eeprom.nvmem",
            "'" + e.nvmem() + "' is neither an nvmem device name nor a /sys path");
    }
    spec.eeprom = e.nvmem();
    spec.eeprom_line = line;
  }

  void stepper(const v1::Board& b, BoardSpec& spec) {
    const int at = line_of(&root_, b, "stepper", -1, 1);
    const Tree* t = nested(&root_, b, "stepper", -1);
    const auto& s = b.stepper();
    if (s.min_pulse_ns() != 0) spec.stepper.min_pulse_ns = s.min_pulse_ns();
    if (s.dir_setup_ns() != 0) spec.stepper.dir_setup_ns = s.dir_setup_ns();
    // The pulses are timed inside the tick: anything slower would not fit in it.
    for (auto [name, v] : {std::pair{"min_pulse_ns", spec.stepper.min_pulse_ns},
                           std::pair{"dir_setup_ns", spec.stepper.dir_setup_ns}}) {
      if (v > 50'000) {
        error(line_of(t, s, name, -1, at), std::string("stepper.") + name,
              std::to_string(v) + " ns is over the 50000 ns a tick can spend on it");
      }
    }
  }

  void mechanics(const v1::Board& b, BoardSpec& spec) {
    const int at = line_of(&root_, b, "mechanics", -1, 1);
    const Tree* t = nested(&root_, b, "mechanics", -1);
    const auto& m = b.mechanics();
    Geometry& g = spec.geometry;
    auto range = [&](const char* name, double v, double lo, double hi, auto& out) {
      if (v == 0.0) return;  // the default
      if (!(v >= lo && v <= hi)) {
        std::ostringstream os;
        os << v << " is outside " << lo << ".." << hi;
        error(line_of(t, m, name, -1, at), std::string("mechanics.") + name, os.str());
        return;
      }
      out = static_cast<std::remove_reference_t<decltype(out)>>(v);
    };
    range("tach_edges_per_rev", m.tach_edges_per_rev(), 1, 64, g.tach_edges_per_rev);
    range("um_per_step", m.um_per_step(), 0.1, 50, g.um_per_step);
    range("max_step_rate_hz", m.max_step_rate_hz(), 100, 20000, g.max_step_rate_hz);
    range("supply_nominal_v", m.supply_nominal_v(), 3, 48, g.supply_nominal_v);
    range("motor_no_load_hz", m.motor_no_load_hz(), 160, 1000, g.motor_no_load_hz);
    range("motor_resistance_ohm", m.motor_resistance_ohm(), 0.05, 100, g.motor_resistance_ohm);
    // Every step's pulse (high and low) must fit the step rate the controller assumes.
    const double period_ns = 1e9 / g.max_step_rate_hz;
    if (2.0 * spec.stepper.min_pulse_ns > period_ns) {
      error(line_of(t, m, "max_step_rate_hz", -1, at), "mechanics.max_step_rate_hz",
            std::to_string(g.max_step_rate_hz) + " steps/s leaves no room for pulses of " +
                std::to_string(spec.stepper.min_pulse_ns) + " ns high and low");
    }
  }

  std::string source_;
  const Tree& root_;
  std::vector<std::string>& errors_;
  std::map<std::string, std::pair<std::string, int>> claimed_;
};

}  // namespace

BoardLoad parse_board(const std::string& text, const std::string& source) {
  BoardLoad r;
  v1::Board msg;
  Tree tree;
  if (!parse_text_format(text, source, msg, tree, r.errors)) {
    if (r.errors.empty()) r.errors.push_back(source + ": not a board file");
    return r;
  }
  auto spec = Checker(source, tree, r.errors).check(msg);
  if (r.errors.empty()) r.board = std::move(spec);
  return r;
}

BoardLoad load_board(const std::string& path) {
  std::ifstream f(path);
  if (!f) return {std::nullopt, {path + ": cannot be read"}};
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_board(ss.str(), path);
}

}  // namespace dermad::config
