#include "daemon/calibration/in_force.hpp"

#include "daemon/calibration/depth_record.hpp"
#include "daemon/calibration/sensors_record.hpp"
#include "daemon/calibration/speed_record.hpp"

namespace dermad::calibration {

namespace {

// The newest commit of `kind` into the book, and through `use` into the loop's configuration
// when `parse` can read it; false when the records hold none.
template <class Value>
bool load(store::Store& records, CalibrationBook& book, const std::string& kind,
          std::optional<Value> (*parse)(const std::string&, std::string&),
          std::string (*summary)(const store::Details&), Value& out, StartNote& note) {
  const auto latest = records.latest_calibration(kind);
  if (!latest) return false;
  const std::string which = kind + " calibration " + std::to_string(latest->id);
  std::string why;
  if (const auto v = parse(latest->data, why)) {
    out = *v;
    book.set_in_force(kind, {*latest, ""});
    note = {"INFO", which + " by " + latest->by + " in force: " +
                        summary(store::Details::parse(latest->data, nullptr, false))};
  } else {
    book.set_in_force(kind, {*latest, why});
    note = {"ERROR", which + " cannot be used: " + why +
                         ". Sessions are refused (CALIBRATION_DUE) until an engineer "
                         "calibrates the pen"};
  }
  return true;
}

void commit_nominal(store::Store& records, CalibrationBook& book, const std::string& kind,
                    const store::Details& data, int64_t mono_ns, int64_t valid_ns,
                    StartNote& note) {
  store::CalibrationRecord r;
  r.kind = kind;
  r.wall_ns = wall_now_ns();
  r.by = "factory (the simulated pen, taken as true)";
  r.due_wall_ns = r.wall_ns + valid_ns;
  r.data = store::details_text(data);
  std::string error;
  if (!records.commit_calibration(r, mono_ns, error)) {
    note = {"ERROR", "the simulated pen's nominal " + kind + " calibration cannot be recorded (" +
                         error + "): sessions are refused (CALIBRATION_DUE)"};
    return;
  }
  book.set_in_force(kind, {r, ""});
  note = {"INFO", "a fresh simulated pen: its nominal " + kind +
                      " calibration is committed as the factory's"};
}

}  // namespace

bool load_depth_calibration(store::Store& records, CalibrationBook& book, control::DepthMap& map,
                            StartNote& note) {
  return load<control::DepthMap>(records, book, "depth", depth_map_from, depth_summary, map, note);
}

void commit_nominal_depth(store::Store& records, CalibrationBook& book, int64_t mono_ns,
                          int64_t valid_ns, StartNote& note) {
  commit_nominal(records, book, "depth", nominal_depth_data(), mono_ns, valid_ns, note);
}

bool load_speed_calibration(store::Store& records, CalibrationBook& book,
                            control::SpeedModel& model, StartNote& note) {
  return load<control::SpeedModel>(records, book, "speed", speed_model_from, speed_summary, model,
                                   note);
}

void commit_nominal_speed(store::Store& records, CalibrationBook& book,
                          const control::SpeedModel& nominal, int64_t mono_ns, int64_t valid_ns,
                          StartNote& note) {
  commit_nominal(records, book, "speed", nominal_speed_data(nominal), mono_ns, valid_ns, note);
}

bool load_sensors_calibration(store::Store& records, CalibrationBook& book,
                              control::SensorOffsets& offsets, StartNote& note) {
  return load<control::SensorOffsets>(records, book, "sensors", sensor_offsets_from,
                                      sensors_summary, offsets, note);
}

void commit_nominal_sensors(store::Store& records, CalibrationBook& book, int64_t mono_ns,
                            int64_t valid_ns, StartNote& note) {
  commit_nominal(records, book, "sensors", nominal_sensors_data(), mono_ns, valid_ns, note);
}

}  // namespace dermad::calibration
