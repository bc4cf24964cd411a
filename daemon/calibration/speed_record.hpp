// A speed calibration as the records keep it (docs/CALIBRATION.md, "speed"): the model the
// speed loop runs (PI gains and the feed-forward motor model), the sweep it was fitted from,
// the relay experiment and the plant it identified, and the simulated step response on that
// plant under the gains before and after. Both directions live here, as for depth.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/calibration/feed_forward_fit.hpp"
#include "daemon/calibration/relay_tune.hpp"
#include "daemon/control/command.hpp"
#include "daemon/store/details.hpp"

namespace dermad::calibration {

struct SpeedCalibration {
  std::vector<SweepPoint> sweep;
  std::vector<double> sweep_targets_hz;  // what each point was run at
  FeedForward ff;
  RelayObservation relay;
  PiTuning tuning;
  double supply_nominal_v = 12.0;
  control::SpeedModel before;  // in force when it ran
  LoopFigures step_before;     // the plant's step under the gains before
};

control::SpeedModel speed_model_of(const SpeedCalibration& c);
store::Details speed_data(const SpeedCalibration& c);
// The data of a motor taken as its datasheet says: the simulated pen's factory calibration.
store::Details nominal_speed_data(const control::SpeedModel& m);
// The model a record's data puts in force; nullopt with why when it cannot.
std::optional<control::SpeedModel> speed_model_from(const std::string& data_json, std::string& why);
std::string speed_summary(const store::Details& data);

}  // namespace dermad::calibration
