#include "daemon/calibration/in_force.hpp"

#include <chrono>

#include "daemon/calibration/depth_record.hpp"
#include "daemon/calibration/speed_record.hpp"

namespace dermad::calibration {

bool load_depth_calibration(store::Store& records, CalibrationBook& book, control::DepthMap& map,
                            StartNote& note) {
  const auto latest = records.latest_calibration("depth");
  if (!latest) return false;
  std::string why;
  if (const auto m = depth_map_from(latest->data, why)) {
    map = *m;
    book.set_in_force("depth", {*latest, ""});
    note = {"INFO",
            "depth calibration " + std::to_string(latest->id) + " by " + latest->by +
                " in force: " + depth_summary(store::Details::parse(latest->data, nullptr, false))};
  } else {
    book.set_in_force("depth", {*latest, why});
    note = {"ERROR", "depth calibration " + std::to_string(latest->id) + " cannot be used: " + why +
                         ". Sessions are refused (CALIBRATION_DUE) until an engineer "
                         "calibrates the pen"};
  }
  return true;
}

void commit_nominal_depth(store::Store& records, CalibrationBook& book, int64_t mono_ns,
                          int64_t valid_ns, StartNote& note) {
  store::CalibrationRecord r;
  r.kind = "depth";
  r.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  r.by = "factory (the simulated pen, taken as true)";
  r.due_wall_ns = r.wall_ns + valid_ns;
  r.data = store::details_text(nominal_depth_data());
  std::string error;
  if (!records.commit_calibration(r, mono_ns, error)) {
    note = {"ERROR", "the simulated pen's nominal depth calibration cannot be recorded (" + error +
                         "): sessions are refused (CALIBRATION_DUE)"};
    return;
  }
  book.set_in_force("depth", {r, ""});
  note = {"INFO",
          "a fresh simulated pen: its nominal depth calibration is committed as the "
          "factory's"};
}

bool load_speed_calibration(store::Store& records, CalibrationBook& book,
                            control::SpeedModel& model, StartNote& note) {
  const auto latest = records.latest_calibration("speed");
  if (!latest) return false;
  std::string why;
  if (const auto m = speed_model_from(latest->data, why)) {
    model = *m;
    book.set_in_force("speed", {*latest, ""});
    note = {"INFO",
            "speed calibration " + std::to_string(latest->id) + " by " + latest->by +
                " in force: " + speed_summary(store::Details::parse(latest->data, nullptr, false))};
  } else {
    book.set_in_force("speed", {*latest, why});
    note = {"ERROR", "speed calibration " + std::to_string(latest->id) + " cannot be used: " + why +
                         ". Sessions are refused (CALIBRATION_DUE) until an engineer "
                         "calibrates the pen"};
  }
  return true;
}

void commit_nominal_speed(store::Store& records, CalibrationBook& book,
                          const control::SpeedModel& nominal, int64_t mono_ns, int64_t valid_ns,
                          StartNote& note) {
  store::CalibrationRecord r;
  r.kind = "speed";
  r.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  r.by = "factory (the simulated pen, taken as true)";
  r.due_wall_ns = r.wall_ns + valid_ns;
  r.data = store::details_text(nominal_speed_data(nominal));
  std::string error;
  if (!records.commit_calibration(r, mono_ns, error)) {
    note = {"ERROR", "the simulated pen's nominal speed calibration cannot be recorded (" + error +
                         "): sessions are refused (CALIBRATION_DUE)"};
    return;
  }
  book.set_in_force("speed", {r, ""});
  note = {"INFO",
          "a fresh simulated pen: its nominal speed calibration is committed as the "
          "factory's"};
}

}  // namespace dermad::calibration
