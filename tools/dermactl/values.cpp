#include "tools/dermactl/values.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

namespace {

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

std::int64_t parse_integer(std::string_view text, std::string_view what, const std::string& path,
                           std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    throw UsageError(std::string(what) + " needs an integer, got " + quoted(text), path);
  }
  if (v < min || v > max) {
    const std::string range = max == std::numeric_limits<std::int64_t>::max()
                                  ? "at least " + std::to_string(min)
                                  : std::to_string(min) + ".." + std::to_string(max);
    throw UsageError(std::string(what) + " must be " + range + ", got " + std::string(text), path);
  }
  return v;
}

double parse_number(std::string_view text, std::string_view what, const std::string& path) {
  double v = 0.0;
  // from_chars neither skips spaces nor accepts a leading '+', so only plain numbers pass.
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
    throw UsageError(std::string(what) + " needs a number, got " + quoted(text), path);
  }
  return v;
}

bool parse_on_off(std::string_view text, const std::string& path) {
  if (text == "on") return true;
  if (text == "off") return false;
  throw UsageError("expected on or off, got " + quoted(text), path);
}

double parse_rate_hz(std::string_view text, const std::string& path) {
  const double hz = parse_number(text, "--rate", path);
  if (!(hz > 0.0 && hz <= 1000.0)) {
    throw UsageError("--rate must be above 0 and at most 1000 Hz, got " + std::string(text), path);
  }
  return hz;
}

double parse_force_n(std::string_view text, const std::string& path) {
  const double f = parse_number(text, "--force-n", path);
  if (!(f >= 0.0 && f <= 20.0)) {
    throw UsageError("--force-n must be 0..20 N, got " + std::string(text), path);
  }
  return f;
}

v1::CartridgeType parse_cartridge_type(std::string_view text, const std::string& path) {
  if (text == "standard") return v1::CARTRIDGE_TYPE_STANDARD;
  if (text == "nano") return v1::CARTRIDGE_TYPE_NANO;
  if (text == "gold-nano") return v1::CARTRIDGE_TYPE_GOLD_NANO;
  throw UsageError("--type must be standard, nano or gold-nano, got " + quoted(text) +
                       did_you_mean(text, {"standard", "nano", "gold-nano"}),
                   path);
}

v1::ScreeningAnswers parse_answers(const std::string& json_text, const std::string& path) {
  std::string why;
  const auto doc = parse_json(json_text, &why);
  if (!doc) throw UsageError("--answers: " + why, path);
  if (!doc->is_object()) throw UsageError("--answers is not one JSON object", path);
  v1::ScreeningAnswers a;
  using Setter = void (v1::ScreeningAnswers::*)(bool);
  const std::pair<const char*, Setter> flags[] = {
      {"active_infection", &v1::ScreeningAnswers::set_active_infection},
      {"chronic_skin_disorder", &v1::ScreeningAnswers::set_chronic_skin_disorder},
      {"poor_wound_healing", &v1::ScreeningAnswers::set_poor_wound_healing},
      {"pregnant", &v1::ScreeningAnswers::set_pregnant},
      {"consultation_done", &v1::ScreeningAnswers::set_consultation_done}};
  using DateSetter = void (v1::ScreeningAnswers::*)(const std::string&);
  const std::pair<const char*, DateSetter> dates[] = {
      {"isotretinoin_last_dose", &v1::ScreeningAnswers::set_isotretinoin_last_dose},
      {"anticoagulant_last_dose", &v1::ScreeningAnswers::set_anticoagulant_last_dose},
      {"retinoid_or_acid_last_use", &v1::ScreeningAnswers::set_retinoid_or_acid_last_use},
      {"sun_exposure_last", &v1::ScreeningAnswers::set_sun_exposure_last}};
  for (const auto& [key, value] : doc->items()) {
    bool known = false;
    for (const auto& [name, set] : flags) {
      if (key != name) continue;
      if (!value.is_boolean()) throw UsageError(key + " must be true or false", path);
      (a.*set)(value.get<bool>());
      known = true;
    }
    for (const auto& [name, set] : dates) {
      if (key != name) continue;
      known = true;
      if (value.is_null()) continue;  // never
      if (!value.is_string()) throw UsageError(key + " must be a date YYYY-MM-DD or null", path);
      (a.*set)(parse_date(value.get<std::string>(), path, key));
    }
    if (!known) {
      std::vector<std::string> names;
      for (const auto& f : flags) names.emplace_back(f.first);
      for (const auto& d : dates) names.emplace_back(d.first);
      throw UsageError("unknown answer " + quoted(std::string_view(key)) + did_you_mean(key, names),
                       path);
    }
  }
  return a;
}

std::string read_input(const std::string& where, std::string_view what, const std::string& path) {
  std::stringstream ss;
  if (where == "-") {
    ss << std::cin.rdbuf();
    if (std::cin.bad()) {
      throw UsageError(
          "cannot read " + std::string(what) + " from standard input: " + std::strerror(errno),
          path);
    }
  } else {
    errno = 0;
    std::ifstream f(where);
    // The OS's reason: "No such file or directory" and "Permission denied" need different help.
    if (!f) {
      throw UsageError("cannot read " + std::string(what) + " " + where + ": " +
                           (errno != 0 ? std::strerror(errno) : "unreadable"),
                       path);
    }
    ss << f.rdbuf();
  }
  return ss.str();
}

v1::MaterialLot parse_material(std::string_view text, const std::string& path) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    throw UsageError("--material needs NAME:LOT, both given, got " + quoted(text), path);
  }
  v1::MaterialLot m;
  m.set_name(std::string(text.substr(0, colon)));
  m.set_lot(std::string(text.substr(colon + 1)));
  return m;
}

v1::SimFault parse_sim_fault(std::string_view text, const std::string& path) {
  std::string name = "SIM_FAULT_";
  for (char c : text) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  v1::SimFault f{};
  if (text.empty() || !v1::SimFault_Parse(name, &f) || f == v1::SIM_FAULT_UNSPECIFIED) {
    std::string kinds;
    std::vector<std::string> names;
    for (int i = v1::SimFault_MIN + 1; i <= v1::SimFault_MAX; ++i) {
      std::string k = v1::SimFault_Name(static_cast<v1::SimFault>(i)).substr(10);
      for (char& c : k) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
      kinds += (kinds.empty() ? "" : ", ") + k;
      names.push_back(k);
    }
    const std::string guess = did_you_mean(text, names);
    throw UsageError(
        "unknown fault " + quoted(text) + (guess.empty() ? "; one of: " + kinds : guess), path);
  }
  return f;
}

std::string parse_date(std::string_view text, const std::string& path, std::string_view what) {
  const std::string bad = std::string(what) + " needs a date YYYY-MM-DD, got " + quoted(text);
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw UsageError(bad, path);
  auto field = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    const char* first = text.data() + pos;
    const auto [end, ec] = std::from_chars(first, first + len, v);
    if (ec != std::errc{} || end != first + len || *first == '-' || *first == '+') {
      throw UsageError(bad, path);
    }
    return v;
  };
  const std::chrono::year_month_day d{std::chrono::year{field(0, 4)},
                                      std::chrono::month{static_cast<unsigned>(field(5, 2))},
                                      std::chrono::day{static_cast<unsigned>(field(8, 2))}};
  if (!d.ok()) {
    throw UsageError(std::string(what) + " is not a calendar date: " + quoted(text), path);
  }
  return std::string(text);
}

std::string alarm_code(std::string_view typed) {
  std::string code(typed);
  for (char& c : code) {
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return code;
}

std::int64_t parse_when(std::string_view text, std::string_view what, const std::string& path,
                        std::int64_t now_wall_ns) {
  using namespace std::chrono;
  const std::string bad = std::string(what) +
                          " needs a time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC), or an age "
                          "such as 30s, 15m, 2h, 7d; got " +
                          quoted(text);
  // An age: digits and one unit.
  if (text.size() >= 2 && std::string_view("smhd").find(text.back()) != std::string_view::npos &&
      std::isdigit(static_cast<unsigned char>(text.front()))) {
    const std::int64_t n = parse_integer(text.substr(0, text.size() - 1), what, path, 0, 100'000);
    const std::int64_t unit_s = text.back() == 's'   ? 1
                                : text.back() == 'm' ? 60
                                : text.back() == 'h' ? 3600
                                                     : 86400;
    return now_wall_ns - n * unit_s * 1'000'000'000;
  }
  if (text.size() < 10) throw UsageError(bad, path);
  const year_month_day d = [&] {
    try {
      parse_date(text.substr(0, 10), path, what);
    } catch (const UsageError&) {
      throw UsageError(bad, path);
    }
    return year_month_day{year{std::stoi(std::string(text.substr(0, 4)))},
                          month{static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))))},
                          day{static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))))}};
  }();
  // Unix nanoseconds reach from 1970 to April 2262 in 64 bits.
  if (d < year_month_day{year{1970} / January / 1} || d > year_month_day{year{2262} / 1 / 1}) {
    throw UsageError(std::string(what) + " must be between 1970 and 2262, got " + quoted(text),
                     path);
  }
  std::string_view rest = text.substr(10);
  std::int64_t secs = 0;
  if (!rest.empty()) {
    if (rest.back() == 'Z') rest.remove_suffix(1);
    // "THH:MM" or "THH:MM:SS"
    if ((rest.size() != 6 && rest.size() != 9) || rest[0] != 'T' || rest[3] != ':' ||
        (rest.size() == 9 && rest[6] != ':')) {
      throw UsageError(bad, path);
    }
    const auto part = [&](std::size_t pos, int max) {
      int v = 0;
      const char* first = rest.data() + pos;
      const auto [end, ec] = std::from_chars(first, first + 2, v);
      if (ec != std::errc{} || end != first + 2 || v < 0 || v > max) throw UsageError(bad, path);
      return v;
    };
    secs = part(1, 23) * 3600 + part(4, 59) * 60 + (rest.size() == 9 ? part(7, 59) : 0);
  }
  const std::int64_t day_s = sys_days(d).time_since_epoch().count() * std::int64_t{86400};
  return (day_s + secs) * 1'000'000'000;
}

TimeRange parse_time_range(const std::optional<std::string>& since,
                           const std::optional<std::string>& until, const std::string& path) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  TimeRange r;
  if (since) r.since_wall_ns = parse_when(*since, "--since", path, now);
  if (until) r.until_wall_ns = parse_when(*until, "--until", path, now);
  if (since && until && r.until_wall_ns <= r.since_wall_ns) {
    throw UsageError("--until must be after --since", path);
  }
  return r;
}

std::string format_date(std::chrono::year_month_day d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::chrono::year_month_day one_year_after(std::chrono::year_month_day d) {
  auto next = d + std::chrono::years{1};
  if (!next.ok()) next = next.year() / next.month() / std::chrono::last;
  return next;
}

std::chrono::year_month_day today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return std::chrono::year{local.tm_year + 1900} /
         std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)} /
         std::chrono::day{static_cast<unsigned>(local.tm_mday)};
}

}  // namespace dermad::ctl
