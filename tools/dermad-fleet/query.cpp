#include "tools/dermad-fleet/query.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "tools/dermactl/render_records.hpp"

namespace dermad::fleet {

namespace {

struct View {
  const char* name;
  const char* view;
  const char* time_column;  // what --since filters on
  const char* order;
};

constexpr View kViews[] = {
    {"devices", "fleet_devices", "last_seen_ns", "device"},
    {"alarms", "fleet_alarms", "wall_ns", "device, seq"},
    {"faults", "fleet_faults_per_day", "", "day, device, code"},
    {"sessions", "fleet_sessions", "wall_ns", "device, wall_ns"},
    {"clinics", "fleet_sessions_per_clinic", "", "day, clinic, protocol"},
    {"counters", "fleet_counters", "wall_ns", "device"},
    {"calibrations", "fleet_calibrations", "wall_ns", "device, kind"},
};

constexpr const char* kNames[] = {"devices", "alarms",   "faults",       "sessions",
                                  "clinics", "counters", "calibrations", nullptr};

bool is_time(const std::string& column) {
  return column.size() > 3 && column.compare(column.size() - 3, 3, "_ns") == 0;
}

}  // namespace

const char* const* query_names() {
  return kNames;
}

bool run_query(Database& db, const QueryOptions& q, std::ostream& out, std::string& error) {
  const auto v = std::find_if(std::begin(kViews), std::end(kViews),
                              [&](const View& x) { return q.what == x.name; });
  if (v == std::end(kViews)) {
    error = "no query '" + q.what +
            "'; there are devices, alarms, faults, sessions, clinics, counters, calibrations";
    return false;
  }
  const bool per_clinic = std::string(v->name) == "clinics";
  if (per_clinic && !q.device.empty()) {
    error = "clinics counts the sessions of every device of a clinic: --clinic, not --device";
    return false;
  }
  std::string sql = std::string("SELECT * FROM ") + v->view +
                    (per_clinic ? " WHERE $1 = ''" : " WHERE ($1 = '' OR device = $1)") +
                    " AND ($2 = '' OR clinic = $2)";
  std::vector<std::string> params{q.device, q.clinic};
  if (q.since_wall_ns > 0) {
    if (*v->time_column) {
      sql += std::string(" AND ") + v->time_column + " >= $3";
    } else {
      sql += " AND day >= $3";  // the UTC day of --since
    }
    params.push_back(*v->time_column ? std::to_string(q.since_wall_ns)
                                     : ctl::utc_text(q.since_wall_ns).substr(0, 10));
  }
  sql += std::string(" ORDER BY ") + v->order;
  Table t;
  if (!db.select(sql, params, t, error)) return false;
  if (q.json) {
    for (const auto& row : t.rows) {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const std::string& s = row[c];
        char* end = nullptr;
        const double n = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0' && is_time(t.columns[c])) {
          j[t.columns[c]] = std::strtoll(s.c_str(), nullptr, 10);
        } else if (!s.empty() && end && *end == '\0' && s.find_first_of("eE") == s.npos) {
          j[t.columns[c]] = n;
        } else {
          j[t.columns[c]] = s;
        }
      }
      out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return true;
  }
  // A table for people: times in UTC, columns as wide as their widest cell.
  std::vector<std::vector<std::string>> cells{t.columns};
  for (const auto& row : t.rows) {
    auto& r = cells.emplace_back();
    for (std::size_t c = 0; c < row.size(); ++c) {
      r.push_back(is_time(t.columns[c]) && !row[c].empty()
                      ? ctl::utc_text(std::strtoll(row[c].c_str(), nullptr, 10))
                      : row[c]);
    }
  }
  std::vector<std::size_t> width(t.columns.size(), 0);
  for (const auto& r : cells) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  for (const auto& r : cells) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out << line << "\n";
  }
  if (t.rows.empty()) out << "(none)\n";
  return true;
}

}  // namespace dermad::fleet
