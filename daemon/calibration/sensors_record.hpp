// A sensors calibration (docs/CALIBRATION.md, "sensors"): the motor current's zero and the
// force sensor's tare, read with the drive off and nothing touching the needles, and the
// temperature sensor's offset against a reference thermometer. The fit from the averaged
// readings, and the records' form of it both ways, as for depth and speed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/control/sensor_offsets.hpp"
#include "daemon/store/details.hpp"

namespace dermad::calibration {

// The raw readings (what the sensors gave, before any offset), averaged while the pen held
// still with the drive off.
struct SensorsMeasurement {
  int samples = 0;
  double current_mean_ma = 0.0, current_sd_ma = 0.0;
  double force_mean_n = 0.0, force_sd_n = 0.0;
  double temperature_mean_c = 0.0, temperature_sd_c = 0.0;
};

// Past these the readings were not of a pen at rest: something moved or touched the tip.
struct SensorsSteadiness {
  double current_sd_ma = 15.0;
  double force_sd_n = 0.1;
  double temperature_sd_c = 0.3;
};
// The reference thermometer's range: a room a pen is serviced in.
inline constexpr double kReferenceMinC = 10.0, kReferenceMaxC = 40.0;

struct SensorsFit {
  bool ok = false;
  std::vector<std::string> refusals;  // every reason, for a person
  control::SensorOffsets offsets;
};

SensorsFit fit_sensors(const SensorsMeasurement& m, double reference_c,
                       const SensorsSteadiness& steady = {});

// The record's data: the offsets, the measurement and reference, the offsets before.
store::Details sensors_data(const SensorsFit& fit, const SensorsMeasurement& m, double reference_c,
                            const control::SensorOffsets& before);
// The simulated pen's factory calibration: its sensors taken as true.
store::Details nominal_sensors_data();
// The offsets a record's data puts in force; nullopt with why when it cannot.
std::optional<control::SensorOffsets> sensor_offsets_from(const std::string& data_json,
                                                          std::string& why);
// One line for a person: "current zero +62.1 mA, force tare +0.48 N, temperature -2.95 C".
std::string sensors_summary(const store::Details& data);

}  // namespace dermad::calibration
