#include "tools/dermactl/render.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

namespace dermad::ctl {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

std::string seconds(std::int64_t ns) {
  return fixed(static_cast<double>(ns) / 1e9, 3) + " s";
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string inputs_text(const v1::Inputs& in) {
  return std::string("trigger ") + (in.trigger() ? "held" : "released") + ", pedal " +
         (in.pedal() ? "pressed" : "released") + ", e-stop " +
         (in.estop() ? "PRESSED" : "released") + ", cartridge " +
         (in.cartridge_present() ? "present" : "absent") + ", home switch " +
         (in.home_switch() ? "closed" : "open");
}

// The inputs that are on, for the one-line view.
std::string inputs_short(const v1::Inputs& in) {
  std::string out;
  auto add = [&out](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(in.trigger(), "trigger");
  add(in.pedal(), "pedal");
  add(in.estop(), "estop");
  add(in.cartridge_present(), "cartridge");
  add(in.home_switch(), "home");
  return out.empty() ? "-" : out;
}

std::string alarm_codes(const Alarms& alarms) {
  std::string out;
  for (const auto& a : alarms) out += (out.empty() ? "" : ",") + a.code();
  return out.empty() ? "-" : out;
}

template <class Msg>
void add_measurement_rows(Rows& rows, const Msg& m) {
  rows.emplace_back("depth", "target " + std::to_string(m.depth_target_um()) + " um, measured " +
                                 std::to_string(m.depth_um()) + " um");
  rows.emplace_back("speed", "target " + fixed(m.speed_target_hz(), 1) + " Hz, measured " +
                                 fixed(m.speed_hz(), 1) + " Hz");
  rows.emplace_back("motor", std::string(m.motor_enabled() ? "enabled" : "disabled") + ", duty " +
                                 fixed(m.motor_duty() * 100.0, 1) + " %, current " +
                                 fixed(m.motor_current_ma(), 1) + " mA");
  rows.emplace_back("contact force", fixed(m.force_n(), 2) + " N");
  rows.emplace_back("temperature", fixed(m.temperature_c(), 1) + " °C");
  rows.emplace_back("supply", fixed(m.supply_v(), 2) + " V");
  rows.emplace_back("inputs", inputs_text(m.inputs()));
}

// "none", or the codes: "2 active: ESTOP, LINK_LOST".
std::string alarms_summary(const Alarms& alarms) {
  if (alarms.empty()) return "none";
  std::string codes;
  for (const auto& a : alarms) codes += (codes.empty() ? "" : ", ") + a.code();
  return std::to_string(alarms.size()) + " active: " + codes;
}

}  // namespace

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string label_table(const Rows& rows) {
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::string out;
  for (const auto& [label, value] : rows) {
    out += label + std::string(width + 2 - label.size(), ' ') + value + "\n";
  }
  return out;
}

std::string grid(const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> width;
  for (const auto& row : cells) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] + 2 - row[c].size(), ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string alarms_text(const Alarms& alarms, std::int64_t now_ns) {
  if (alarms.empty()) return "no active alarms\n";
  std::vector<std::vector<std::string>> cells = {{"PRIORITY", "CODE", "AGE", "STATE", "TEXT"}};
  for (const auto& a : alarms) {
    std::string state = a.latched() ? "latched" : "not latched";
    state += a.condition_active() ? ", active" : ", cleared";
    std::string prio = priority_name(a.priority());
    for (char& c : prio) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    cells.push_back({prio, a.code(), seconds(now_ns - a.since_ns()), state, a.text()});
  }
  return grid(cells);
}

std::string fit_terminal(const std::string& text, std::size_t width, bool color) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    // Characters, not bytes: a UTF-8 continuation byte (10xxxxxx) starts none.
    std::size_t chars = 0, cut = line.size();
    for (std::size_t i = 0; i < line.size(); ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
      if (++chars == width) cut = i;  // where the '>' goes if the line is longer
      if (chars > width) {
        line = line.substr(0, cut) + ">";
        break;
      }
    }
    const bool high = color && line.rfind("HIGH ", 0) == 0;
    out += high ? "\x1b[1;31m" + line + "\x1b[0m" : line;
    if (end < text.size()) out += "\n";
    start = end + 1;
  }
  return out;
}

std::string cartridge_type_name(v1::CartridgeType t) {
  switch (t) {
    case v1::CARTRIDGE_TYPE_STANDARD:
      return "standard";
    case v1::CARTRIDGE_TYPE_NANO:
      return "nano";
    case v1::CARTRIDGE_TYPE_GOLD_NANO:
      return "gold-nano";
    default:
      return "unknown";
  }
}

std::string cartridge_text(const v1::Cartridge& c) {
  if (!c.valid()) return "INVALID: " + (c.problem().empty() ? "unreadable EEPROM" : c.problem());
  return c.serial() + ", " + cartridge_type_name(c.type()) + ", " + std::to_string(c.needles()) +
         " needles, lot " + (c.lot().empty() ? "-" : c.lot()) + ", expires " + c.expires() +
         (c.used() ? ", USED (single use: no new session)" : ", unused");
}

static std::string session_row_text(const v1::ActiveSession& a) {
  return a.session_id() + ", " + a.protocol() + ", zone " + a.zone() + ", " +
         std::to_string(a.depth_um()) + " um, " + fixed(a.speed_hz(), 1) + " Hz, owner " +
         (a.owner_linked() ? "linked" : "NOT linked (no tablet reads the session)") +
         (a.operator_id().empty() ? "" : ", operator " + a.operator_id());
}

std::string status_text(const v1::Status& s) {
  Rows rows;
  rows.emplace_back("state", state_name(s.state()));
  rows.emplace_back("backend",
                    s.board().empty() ? s.backend() : s.backend() + ", board " + s.board());
  rows.emplace_back("session", s.has_session() ? session_row_text(s.session()) : "none");
  rows.emplace_back("cartridge", s.has_cartridge()                ? cartridge_text(s.cartridge())
                                 : s.inputs().cartridge_present() ? "in, being read"
                                                                  : "none");
  add_measurement_rows(rows, s);
  rows.emplace_back("homed", yes_no(s.homed()));
  rows.emplace_back("strokes", std::to_string(s.strokes()));
  rows.emplace_back("service remaining", std::to_string(s.service_remaining_ms()) + " ms");
  const auto& l = s.loop();
  rows.emplace_back("loop timing", "period " + std::to_string(l.period_us()) + " us, late p50 " +
                                       std::to_string(l.late_p50_us()) + " us, p99 " +
                                       std::to_string(l.late_p99_us()) + " us, max " +
                                       std::to_string(l.late_max_us()) + " us");
  rows.emplace_back("loop counts", std::to_string(l.ticks()) + " ticks, " +
                                       std::to_string(l.overruns()) + " overruns, " +
                                       std::to_string(l.missed_periods()) + " missed periods");
  rows.emplace_back("device time", seconds(s.t_ns()));
  rows.emplace_back("alarms", alarms_summary(s.alarms()));
  std::string out = label_table(rows);
  if (!s.alarms().empty()) out += "\n" + alarms_text(s.alarms(), s.t_ns());
  return out;
}

std::string info_text(const v1::DeviceInfo& info) {
  Rows rows;
  rows.emplace_back("version", info.version());
  rows.emplace_back("backend", info.backend());
  if (!info.board().empty()) rows.emplace_back("board", info.board());
  rows.emplace_back("loop period", std::to_string(info.loop_period_us()) + " us");
  rows.emplace_back("tach edges/rev", std::to_string(info.tach_edges_per_rev()));
  rows.emplace_back("depth limits", std::to_string(info.depth_min_um()) + " .. " +
                                        std::to_string(info.depth_max_um()) + " um");
  rows.emplace_back("speed limits",
                    fixed(info.speed_min_hz(), 1) + " .. " + fixed(info.speed_max_hz(), 1) + " Hz");
  std::string rt = yes_no(info.realtime());
  if (!info.realtime_note().empty()) rt += " (" + info.realtime_note() + ")";
  rows.emplace_back("realtime", rt);
  rows.emplace_back("serial", info.serial());
  rows.emplace_back("hardware revision", info.hardware_revision());
  rows.emplace_back("build", info.build());
  rows.emplace_back("up since", info.started_at() + " (" + std::to_string(info.uptime_s()) + " s)");
  rows.emplace_back("protocols", info.protocols_path());
  rows.emplace_back("protocols sha256", info.protocols_sha256());
  if (!info.board_path().empty()) rows.emplace_back("board file", info.board_path());
  rows.emplace_back("records", info.state_dir());
  rows.emplace_back("socket", info.socket_path());
  return label_table(rows);
}

std::string sample_text(const v1::TelemetrySample& s) {
  Rows rows;
  rows.emplace_back("state", state_name(s.state()));
  add_measurement_rows(rows, s);
  rows.emplace_back("device time", seconds(s.t_ns()) + ", tick " + std::to_string(s.tick()));
  rows.emplace_back("loop lateness", std::to_string(s.loop_late_us()) + " us");
  rows.emplace_back("dropped", std::to_string(s.dropped()) + " samples");
  rows.emplace_back("alarms", alarms_summary(s.alarms()));
  std::string out = label_table(rows);
  if (!s.alarms().empty()) out += "\n" + alarms_text(s.alarms(), s.t_ns());
  return out;
}

std::string sample_line(const v1::TelemetrySample& s) {
  return seconds(s.t_ns()) + " tick " + std::to_string(s.tick()) + " " + state_name(s.state()) +
         " depth " + std::to_string(s.depth_um()) + " um (target " +
         std::to_string(s.depth_target_um()) + ") speed " + fixed(s.speed_hz(), 1) +
         " Hz (target " + fixed(s.speed_target_hz(), 1) + ") duty " +
         fixed(s.motor_duty() * 100.0, 1) + " % " + fixed(s.motor_current_ma(), 1) + " mA force " +
         fixed(s.force_n(), 2) + " N " + fixed(s.temperature_c(), 1) + " °C " +
         fixed(s.supply_v(), 2) + " V inputs " + inputs_short(s.inputs()) + " alarms " +
         alarm_codes(s.alarms()) + " late " + std::to_string(s.loop_late_us()) + " us dropped " +
         std::to_string(s.dropped());
}

}  // namespace dermad::ctl
