#include "daemon/calibration/speed_record.hpp"

#include <cmath>
#include <cstdio>

namespace dermad::calibration {

namespace {

store::Details model_json(const control::SpeedModel& m) {
  return {
      {"kp", m.kp}, {"ki", m.ki}, {"no_load_hz", m.no_load_hz}, {"friction_duty", m.friction_duty}};
}

store::Details figures_json(const LoopFigures& f) {
  return {{"overshoot_pct", f.overshoot_pct},
          {"settle_s", f.settle_s},
          {"phase_margin_deg", f.phase_margin_deg}};
}

double num(const store::Details& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}

// The plant's 50 Hz step under the gains before and after, 0.25 s in 101 samples, for the
// report's plot.
store::Details step_trace(const SpeedCalibration& c) {
  TuneLimits lim;
  constexpr double kHorizon = 0.25;
  const auto before = step_response(c.tuning.plant, c.before.kp, c.before.ki, lim, kHorizon, 101);
  const auto after = step_response(c.tuning.plant, c.tuning.kp, c.tuning.ki, lim, kHorizon, 101);
  return {{"step_hz", lim.step_hz},
          {"horizon_s", kHorizon},
          {"before_hz", before},
          {"after_hz", after}};
}

}  // namespace

control::SpeedModel speed_model_of(const SpeedCalibration& c) {
  return {c.tuning.kp, c.tuning.ki, c.ff.no_load_hz, c.ff.friction_duty};
}

store::Details speed_data(const SpeedCalibration& c) {
  store::Details sweep = store::Details::array();
  for (std::size_t i = 0; i < c.sweep.size(); ++i) {
    const SweepPoint& p = c.sweep[i];
    sweep.push_back({{"target_hz", i < c.sweep_targets_hz.size() ? c.sweep_targets_hz[i] : NAN},
                     {"duty", p.duty},
                     {"supply_v", p.supply_v},
                     {"speed_hz", p.speed_hz},
                     {"residual_hz", i < c.ff.residuals_hz.size() ? c.ff.residuals_hz[i] : NAN}});
  }
  const PiTuning& t = c.tuning;
  return {{"model", model_json(speed_model_of(c))},
          {"sweep", std::move(sweep)},
          {"feed_forward",
           {{"no_load_hz", c.ff.no_load_hz},
            {"friction_duty", c.ff.friction_duty},
            {"supply_nominal_v", c.supply_nominal_v},
            {"worst_residual_hz", c.ff.worst_residual_hz}}},
          {"relay",
           {{"relay_duty", c.relay.relay_duty},
            {"amplitude_hz", c.relay.amplitude_hz},
            {"period_s", c.relay.period_s}}},
          {"plant",
           {{"gain_hz_per_duty", t.plant.gain_hz_per_duty},
            {"tau_s", t.plant.tau_s},
            {"delay_s", t.plant.delay_s}}},
          {"step_before", figures_json(c.step_before)},
          {"step_trace", step_trace(c)},
          {"step_after", figures_json({t.overshoot_pct, t.settle_s, t.phase_margin_deg})},
          {"before", model_json(c.before)}};
}

store::Details nominal_speed_data(const control::SpeedModel& m) {
  return {{"model", model_json(m)}, {"fit", {{"model", "nominal"}}}};
}

std::optional<control::SpeedModel> speed_model_from(const std::string& data_json,
                                                    std::string& why) {
  const store::Details d = store::Details::parse(data_json, nullptr, false);
  if (!d.is_object() || !d.contains("model") || !d["model"].is_object()) {
    why = "its data holds no speed model";
    return std::nullopt;
  }
  const store::Details& m = d["model"];
  const control::SpeedModel out{num(m, "kp"), num(m, "ki"), num(m, "no_load_hz"),
                                num(m, "friction_duty")};
  if (!control::plausible(out)) {
    why = "its speed model is not one this pen's motor can have";
    return std::nullopt;
  }
  return out;
}

std::string speed_summary(const store::Details& data) {
  if (!data.is_object() || !data.contains("model")) return "speed calibration";
  const store::Details& m = data["model"];
  char b[240];
  std::snprintf(b, sizeof b, "kp %.4f, ki %.3f; motor %.1f Hz no-load, friction duty %.3f",
                num(m, "kp"), num(m, "ki"), num(m, "no_load_hz"), num(m, "friction_duty"));
  std::string s = b;
  if (data.contains("fit")) return s + " (nominal, not measured)";
  if (data.contains("step_before") && data.contains("step_after")) {
    std::snprintf(
        b, sizeof b,
        "; on the identified motor (PI alone) a 50 Hz step settles in %.0f ms (was %.0f ms), "
        "overshoot %.1f %% (was %.1f %%)",
        1e3 * num(data["step_after"], "settle_s"), 1e3 * num(data["step_before"], "settle_s"),
        num(data["step_after"], "overshoot_pct"), num(data["step_before"], "overshoot_pct"));
    s += b;
  }
  return s;
}

}  // namespace dermad::calibration
