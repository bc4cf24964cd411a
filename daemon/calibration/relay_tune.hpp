// Speed calibration's PI gains by relay feedback (Astrom and Hagglund, 1984): with the speed
// loop replaced by a relay of +-d duty about a bias, the speed oscillates with amplitude a and
// period Tu. With the static gain the feed-forward sweep found, that identifies a first-order
// plant with dead time; the gains come from it (SIMC rules, Skogestad 2003), detuned step by
// step until the loop they make on that plant keeps its overshoot and phase margin within
// bounds, and are offered only then.
// Pure: no loop, no store.
#pragma once

#include <string>
#include <vector>

namespace dermad::calibration {

struct RelayObservation {
  double relay_duty = 0.0;    // d: the relay switches bias +- d
  double amplitude_hz = 0.0;  // a: half the speed's peak-to-peak
  double period_s = 0.0;      // Tu
};

// speed(s) / duty(s) = gain * exp(-delay s) / (tau s + 1)
struct Plant {
  double gain_hz_per_duty = 0.0;
  double tau_s = 0.0;
  double delay_s = 0.0;
};

struct TuneLimits {
  double max_overshoot_pct = 10.0;
  double min_phase_margin_deg = 45.0;
  double step_hz = 50.0;   // the step the check simulates
  double period_s = 1e-3;  // the loop's
};

struct PiTuning {
  double kp = 0.0;              // duty per Hz
  double ki = 0.0;              // duty per Hz second
  double ku = 0.0, tu_s = 0.0;  // the ultimate gain and period the relay showed
  Plant plant;
  double overshoot_pct = 0.0;     // of the simulated step
  double settle_s = 0.0;          // to within 2 % of the step, and staying
  double phase_margin_deg = 0.0;  // of the loop at its crossover
};

struct PiTuningResult {
  bool ok = false;
  PiTuning tuning;
  std::vector<std::string> refusals;
};

PiTuningResult tune_pi(const RelayObservation& relay, double gain_hz_per_duty,
                       const TuneLimits& lim = {});

// The plant's step response under PI (kp, ki): overshoot (%) and settle time, simulated at
// the loop's period; and the loop's phase margin (degrees). For the checks above, and for a
// report's "before and after".
struct LoopFigures {
  double overshoot_pct = 0.0, settle_s = 0.0, phase_margin_deg = 0.0;
};
LoopFigures judge_pi(const Plant& plant, double kp, double ki, const TuneLimits& lim = {});
// The same step's speed at `samples` even times from 0 to horizon_s, for a report's plot.
std::vector<double> step_response(const Plant& plant, double kp, double ki, const TuneLimits& lim,
                                  double horizon_s, int samples);

}  // namespace dermad::calibration
