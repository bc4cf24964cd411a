// dermad's proto messages as dermactl output: JSON objects for scripts, text for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dermad/v1/device.pb.h"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

using Alarms = google::protobuf::RepeatedPtrField<v1::Alarm>;

// The enum name without its prefix ("IDLE"); unknown values as "UNKNOWN_<n>".
std::string state_name(v1::State s);
// "high", "medium", "low" ("unspecified" when unset).
std::string priority_name(v1::AlarmPriority p);
// "standard", "nano", "gold-nano"; "unknown" for anything else.
std::string cartridge_type_name(v1::CartridgeType t);
// "C-1, standard, 36 needles, lot L, expires 2030-12-31", or why the cartridge is invalid.
std::string cartridge_text(const v1::Cartridge& c);

Json alarm_json(const v1::Alarm& a);
Json alarms_json(const Alarms& alarms);
Json status_json(const v1::Status& s);
Json sample_json(const v1::TelemetrySample& s);
Json info_json(const v1::DeviceInfo& info);

// The message split on "; ", which is how dermad joins several refusal reasons.
std::vector<std::string> split_reasons(std::string_view message);
// {"error": {"code": ..., "message": ..., "reasons": [...]}}
Json error_json(std::string_view code, std::string_view message);

// v with exactly `decimals` digits after the point.
std::string fixed(double v, int decimals);
// "label  value" lines, the values aligned after the widest label.
std::string label_table(const std::vector<std::pair<std::string, std::string>>& rows);
// Rows of cells in columns two spaces apart, each line ending in a newline.
std::string grid(const std::vector<std::vector<std::string>>& cells);

// A table of alarms, their age measured against now_ns (the device's steady clock).
std::string alarms_text(const Alarms& alarms, std::int64_t now_ns);
std::string status_text(const v1::Status& s);
std::string info_text(const v1::DeviceInfo& info);
// Several lines for the live view of `watch` on a terminal.
std::string sample_text(const v1::TelemetrySample& s);
// Text for a terminal `width` columns wide: every line cut to fit (a cut line ends in '>'),
// counted in characters, not bytes ("°C"); with `color`, the rows of high-priority alarms in
// bold red, so they stand out from the figures.
std::string fit_terminal(const std::string& text, std::size_t width, bool color);
// One line per sample for `watch` into a pipe or file.
std::string sample_line(const v1::TelemetrySample& s);

}  // namespace dermad::ctl
