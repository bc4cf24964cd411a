#include "tests/hil/plant/commands.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace dermad::hil {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool parse_switch(std::string_view w, bool& on) {
  for (auto yes : {"on", "1", "press", "pressed", "insert", "inserted", "hold"}) {
    if (w == yes) {
      on = true;
      return true;
    }
  }
  for (auto no : {"off", "0", "release", "released", "remove", "removed"}) {
    if (w == no) {
      on = false;
      return true;
    }
  }
  return false;
}

bool parse_number(std::string_view w, double& v) {
  const auto r = std::from_chars(w.data(), w.data() + w.size(), v);
  return r.ec == std::errc{} && r.ptr == w.data() + w.size() && std::isfinite(v);
}

}  // namespace

bool parse_command(std::string_view line, Command& cmd, std::string& error) {
  line = trim(line);
  const auto sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  const std::string_view arg = sp == std::string_view::npos ? "" : trim(line.substr(sp + 1));
  static constexpr std::array<std::pair<std::string_view, Command::Kind>, 5> kSwitches{{
      {"estop", Command::kEstop},
      {"trigger", Command::kTrigger},
      {"pedal", Command::kPedal},
      {"cartridge", Command::kCartridge},
      {"tach", Command::kTach},
  }};
  static constexpr std::array<std::pair<std::string_view, Command::Kind>, 5> kNumbers{{
      {"force", Command::kForce},
      {"supply", Command::kSupply},
      {"temp", Command::kTemp},
      {"slip", Command::kSlip},
      {"drift", Command::kDrift},
  }};
  cmd = Command{};
  for (const auto& [name, kind] : kSwitches) {
    if (verb != name) continue;
    cmd.kind = kind;
    if (parse_switch(arg, cmd.on)) return true;
    error = "'" + std::string(line) + "': expected on/off (press/release, insert/remove)";
    return false;
  }
  if (verb == "jam") {
    cmd.kind = Command::kJam;
    if (parse_switch(arg, cmd.on)) return true;
    error = "'" + std::string(line) + "': expected jam on|off";
    return false;
  }
  for (const auto& [name, kind] : kNumbers) {
    if (verb != name) continue;
    cmd.kind = kind;
    if (parse_number(arg, cmd.value)) return true;
    error = "'" + std::string(line) + "': expected a number";
    return false;
  }
  if (verb == "stats" && arg == "reset") {
    cmd.kind = Command::kStatsReset;
    return true;
  }
  if (verb == "mark") {
    cmd.kind = Command::kMark;
    cmd.text = std::string(arg);
    return true;
  }
  error = "'" + std::string(line) + "': unknown command";
  return false;
}

}  // namespace dermad::hil
