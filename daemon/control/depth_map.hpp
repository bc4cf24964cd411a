// A committed depth calibration as the loop uses it (#14): the needles' protrusion a session
// or a service run asks for becomes the position the stop is servoed to, and the sensor's
// reading becomes the protrusion the snapshot reports and the over-depth monitor judges.
// Linear (protrusion = gain * position + offset) or between up to kMaxPoints measured points.
// Fixed size: it travels by value through the command queue.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dermad::control {

struct DepthMap {
  static constexpr std::size_t kMaxPoints = 16;
  double gain = 1.0, offset_um = 0.0;
  uint8_t points = 0;  // 0: the line; 2..kMaxPoints: between the points, the line beyond
  std::array<double, kMaxPoints> position_um{}, protrusion_um{};  // ascending

  // The stop position that gives `protrusion_um`.
  double position_for(double protrusion) const;
  // The protrusion the stop at `position` gives.
  double protrusion_at(double position) const;
  // Increasing, within what a pen can be: gain 0.8..1.25, offset within +-300 um, points
  // strictly ascending in both.
  bool plausible() const;
};

}  // namespace dermad::control
