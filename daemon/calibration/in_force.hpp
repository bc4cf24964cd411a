// The calibrations in force when dermad starts: the records' newest commit of each kind, put
// in the book and the loop's configuration before its first tick; a fresh simulated pen's
// nominal calibration, committed as the factory's so a demonstration can treat.
#pragma once

#include <string>

#include "daemon/calibration/calibration_book.hpp"
#include "daemon/control/depth_map.hpp"
#include "daemon/store/store.hpp"

namespace dermad::calibration {

// Something to log at start: level ("INFO", "WARNING", "ERROR") and text.
struct StartNote {
  std::string level, text;
};

// The newest depth commit into `book` and, when usable, into `map`. False when the records
// hold none. A commit that cannot be used stays in the book as unusable (sessions refused),
// and `note` says why.
bool load_depth_calibration(store::Store& records, CalibrationBook& book, control::DepthMap& map,
                            StartNote& note);

// Commits the nominal depth calibration as the factory's, valid for `valid_ns`.
void commit_nominal_depth(store::Store& records, CalibrationBook& book, int64_t mono_ns,
                          int64_t valid_ns, StartNote& note);

// As for depth: the newest speed commit into `book` and, when usable, into `model`.
bool load_speed_calibration(store::Store& records, CalibrationBook& book,
                            control::SpeedModel& model, StartNote& note);
// Commits `nominal` (the controller's built-in gains and the motor's datasheet model) as the
// simulated pen's factory speed calibration.
void commit_nominal_speed(store::Store& records, CalibrationBook& book,
                          const control::SpeedModel& nominal, int64_t mono_ns, int64_t valid_ns,
                          StartNote& note);

// As for depth: the newest sensors commit into `book` and, when usable, into `offsets`.
bool load_sensors_calibration(store::Store& records, CalibrationBook& book,
                              control::SensorOffsets& offsets, StartNote& note);
// Commits zero offsets (the simulated pen's sensors taken as true) as the factory's.
void commit_nominal_sensors(store::Store& records, CalibrationBook& book, int64_t mono_ns,
                            int64_t valid_ns, StartNote& note);

}  // namespace dermad::calibration
