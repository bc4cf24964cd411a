#include "daemon/calibration/sensors_record.hpp"

#include <cmath>
#include <cstdio>

namespace dermad::calibration {

namespace {

std::string fmt(const char* f, double a, double b = 0.0) {
  char buf[200];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

store::Details offsets_json(const control::SensorOffsets& o) {
  return {{"current_ma", o.current_ma}, {"force_n", o.force_n}, {"temperature_c", o.temperature_c}};
}

double num(const store::Details& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}

}  // namespace

SensorsFit fit_sensors(const SensorsMeasurement& m, double reference_c,
                       const SensorsSteadiness& steady) {
  SensorsFit f;
  auto refuse = [&f](std::string why) { f.refusals.push_back(std::move(why)); };
  if (m.samples < 1) refuse("no readings were taken");
  if (!(reference_c >= kReferenceMinC && reference_c <= kReferenceMaxC)) {
    refuse(fmt("the reference temperature %.2f C is outside 10..40 C", reference_c));
  }
  if (!(m.current_sd_ma <= steady.current_sd_ma)) {
    refuse(fmt("the motor current was not steady (%.1f mA sd, at most %.1f): did the drive move?",
               m.current_sd_ma, steady.current_sd_ma));
  }
  if (!(m.force_sd_n <= steady.force_sd_n)) {
    refuse(fmt("the force was not steady (%.3f N sd, at most %.3f): keep the needle tip free",
               m.force_sd_n, steady.force_sd_n));
  }
  if (!(m.temperature_sd_c <= steady.temperature_sd_c)) {
    refuse(
        fmt("the temperature was not steady (%.2f C sd, at most %.2f): let the pen and the "
            "thermometer settle",
            m.temperature_sd_c, steady.temperature_sd_c));
  }
  f.offsets = {m.current_mean_ma, m.force_mean_n, m.temperature_mean_c - reference_c};
  if (!(std::abs(f.offsets.current_ma) <= control::kMaxCurrentZeroMa)) {
    refuse(
        fmt("the motor current reads %.1f mA with the drive off: beyond the %.0f mA a zero "
            "may take out; the current sensor or its amplifier wants repair",
            f.offsets.current_ma, control::kMaxCurrentZeroMa));
  }
  if (!(std::abs(f.offsets.force_n) <= control::kMaxForceTareN)) {
    refuse(
        fmt("the force reads %.2f N with nothing touching: beyond the %.1f N a tare may "
            "take out; is something touching the tip, or the load cell damaged?",
            f.offsets.force_n, control::kMaxForceTareN));
  }
  if (!(std::abs(f.offsets.temperature_c) <= control::kMaxTemperatureOffsetC)) {
    refuse(
        fmt("the temperature sensor is %+.2f C off the reference: beyond the %.0f C a "
            "calibration may take out; check the thermometer, or the sensor wants repair",
            f.offsets.temperature_c, control::kMaxTemperatureOffsetC));
  }
  f.ok = f.refusals.empty();
  return f;
}

store::Details sensors_data(const SensorsFit& fit, const SensorsMeasurement& m, double reference_c,
                            const control::SensorOffsets& before) {
  return {{"offsets", offsets_json(fit.offsets)},
          {"measured",
           {{"samples", m.samples},
            {"current_mean_ma", m.current_mean_ma},
            {"current_sd_ma", m.current_sd_ma},
            {"force_mean_n", m.force_mean_n},
            {"force_sd_n", m.force_sd_n},
            {"temperature_mean_c", m.temperature_mean_c},
            {"temperature_sd_c", m.temperature_sd_c}}},
          {"reference_c", reference_c},
          {"before", offsets_json(before)}};
}

store::Details nominal_sensors_data() {
  return {{"offsets", offsets_json({})}, {"fit", {{"model", "nominal"}}}};
}

std::optional<control::SensorOffsets> sensor_offsets_from(const std::string& data_json,
                                                          std::string& why) {
  const store::Details d = store::Details::parse(data_json, nullptr, false);
  if (!d.is_object() || !d.contains("offsets") || !d["offsets"].is_object()) {
    why = "its data holds no sensor offsets";
    return std::nullopt;
  }
  const store::Details& o = d["offsets"];
  const control::SensorOffsets out{num(o, "current_ma"), num(o, "force_n"),
                                   num(o, "temperature_c")};
  if (!control::plausible(out)) {
    why = "its sensor offsets are beyond what a calibration may take out";
    return std::nullopt;
  }
  return out;
}

std::string sensors_summary(const store::Details& data) {
  if (!data.is_object() || !data.contains("offsets")) return "sensors calibration";
  const store::Details& o = data["offsets"];
  char b[200];
  std::snprintf(b, sizeof b, "current zero %+.1f mA, force tare %+.3f N, temperature %+.2f C",
                num(o, "current_ma"), num(o, "force_n"), num(o, "temperature_c"));
  std::string s = b;
  if (data.contains("fit")) return s + " (nominal, not measured)";
  if (data.contains("reference_c")) s += fmt(" (against %.2f C)", num(data, "reference_c"));
  return s;
}

}  // namespace dermad::calibration
