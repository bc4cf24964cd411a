// A depth calibration as the records keep it (docs/CALIBRATION.md, "depth"): the map the loop
// runs on, the fit, every point with its residual and its error under the map it replaces.
// What a commit stores is what the next start puts in force again, so the two directions
// live here together.
#pragma once

#include <optional>
#include <string>

#include "daemon/calibration/depth_fit.hpp"
#include "daemon/control/depth_map.hpp"
#include "daemon/store/details.hpp"

namespace dermad::calibration {

// The record's data for `fit`, with the map in force before it (`before`).
store::Details depth_data(const DepthFit& fit, const control::DepthMap& before);
// The data of a pen taken as true: the factory's calibration of the simulated pen.
store::Details nominal_depth_data();
// The map a record's data puts in force; nullopt with why when it cannot (unreadable,
// implausible: the data was written by something else, or edited).
std::optional<control::DepthMap> depth_map_from(const std::string& data_json, std::string& why);
// One line for a person: "linear, gain 0.971, offset +38.8 um; worst residual 2.1 um at 6
// points; before up to 86.0 um off".
std::string depth_summary(const store::Details& data);

}  // namespace dermad::calibration
