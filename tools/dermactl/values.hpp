// Parsing and range checks of option values. Malformed or out-of-range values are usage
// errors (exit 2) raised here, before any RPC.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dermad/v1/simulator.pb.h"
#include "dermad/v1/treatment.pb.h"

namespace dermad::ctl {

// Each throws UsageError naming `what` (e.g. "--needles") and the command path for the hint.
std::int64_t parse_integer(std::string_view text, std::string_view what, const std::string& path,
                           std::int64_t min, std::int64_t max);
// A finite decimal number.
double parse_number(std::string_view text, std::string_view what, const std::string& path);
bool parse_on_off(std::string_view text, const std::string& path);

// watch --rate: 0 < hz <= 1000.
double parse_rate_hz(std::string_view text, const std::string& path);
// sim contact --force-n: 0..20 N.
double parse_force_n(std::string_view text, const std::string& path);
// sim cartridge insert --type: standard, nano or gold-nano.
v1::CartridgeType parse_cartridge_type(std::string_view text, const std::string& path);
// A JSON answers object (dermactl screen --answers) -> the request's answers; a usage error
// names an unknown field, a wrong type or a malformed date.
v1::ScreeningAnswers parse_answers(const std::string& json_text, const std::string& path);
// The whole text of the file `where` names, or of standard input when it is "-"; a usage
// error naming `what` (e.g. "--answers") when it cannot be read.
std::string read_input(const std::string& where, std::string_view what, const std::string& path);
// session --material NAME:LOT: split at the first ':', both parts non-empty (lots may hold
// ':', material names do not).
v1::MaterialLot parse_material(std::string_view text, const std::string& path);
// An alarm code as people type it: "link-lost" and "Link_Lost" are LINK_LOST.
std::string alarm_code(std::string_view typed);
// "motor-stall" -> SIM_FAULT_MOTOR_STALL, for every kind the proto names.
v1::SimFault parse_sim_fault(std::string_view text, const std::string& path);
// sim cartridge insert --expires: a real calendar date written YYYY-MM-DD.
std::string parse_date(std::string_view text, const std::string& path,
                       std::string_view what = "--expires");

// logs --since/--until: a UTC time YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z], or an age
// before `now_wall_ns` (30s, 15m, 2h, 7d); Unix nanoseconds.
std::int64_t parse_when(std::string_view text, std::string_view what, const std::string& path,
                        std::int64_t now_wall_ns);

// --since and --until as given (0 when not): Unix nanoseconds, the end after the start.
struct TimeRange {
  std::int64_t since_wall_ns = 0, until_wall_ns = 0;
};
TimeRange parse_time_range(const std::optional<std::string>& since,
                           const std::optional<std::string>& until, const std::string& path);

std::string format_date(std::chrono::year_month_day d);
// The same day a year later; 29 February becomes 28 February.
std::chrono::year_month_day one_year_after(std::chrono::year_month_day d);
// Today in local time.
std::chrono::year_month_day today();

}  // namespace dermad::ctl
