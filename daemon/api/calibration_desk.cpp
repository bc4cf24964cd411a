#include "daemon/api/calibration_desk.hpp"

#include <chrono>

#include "daemon/api/status_codes.hpp"
#include "daemon/calibration/depth_record.hpp"
#include "daemon/calibration/sensors_record.hpp"
#include "daemon/calibration/speed_record.hpp"
#include "daemon/control/clock.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

control::DepthMap map_in_force(const calibration::CalibrationBook& book) {
  if (auto f = book.in_force("depth"); f && f->unusable.empty()) {
    std::string ignored;
    return calibration::depth_map_from(f->record.data, ignored).value_or(control::DepthMap{});
  }
  return {};
}

control::SensorOffsets offsets_in_force(const calibration::CalibrationBook& book) {
  if (auto f = book.in_force("sensors"); f && f->unusable.empty()) {
    std::string ignored;
    return calibration::sensor_offsets_from(f->record.data, ignored)
        .value_or(control::SensorOffsets{});
  }
  return {};
}

}  // namespace

v1::Calibration to_proto(const store::CalibrationRecord& r, int64_t now_wall_ns) {
  v1::Calibration c;
  c.set_id(r.id);
  c.set_kind(r.kind);
  c.set_by(r.by);
  c.set_wall_ns(r.wall_ns);
  c.set_due_wall_ns(r.due_wall_ns);
  c.set_data_json(r.data);
  c.set_due(now_wall_ns >= r.due_wall_ns);
  const store::Details data = store::Details::parse(r.data, nullptr, false);
  if (r.kind == "depth") c.set_summary(calibration::depth_summary(data));
  if (r.kind == "speed") c.set_summary(calibration::speed_summary(data));
  if (r.kind == "sensors") c.set_summary(calibration::sensors_summary(data));
  return c;
}

v1::Calibration to_proto(const calibration::Staged& s) {
  v1::Calibration c;
  c.set_kind(s.kind);
  c.set_by(s.by);
  c.set_wall_ns(s.wall_ns);
  c.set_summary(s.summary);
  c.set_data_json(s.data_json);
  return c;
}

Status CalibrationDesk::admit_run(bool free_drive) {
  control::Snapshot s;
  if (!port_.core().telemetry().latest(s)) {
    return {StatusCode::UNAVAILABLE, "the control loop has not started"};
  }
  std::string why;
  auto add = [&why](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
  if (s.state != control::State::kIdle) {
    add("the device is " + std::string(control::to_string(s.state)) +
        ", a calibration starts from IDLE");
  }
  if (!s.homed) add("the needles are not homed");
  if (s.alarms.active != 0) add("unresolved alarms: " + control::alarm_codes(s.alarms.active));
  if (free_drive && s.cartridge_present) {
    add("a cartridge is inserted: the drive runs free, remove it first");
  }
  if (!why.empty()) return {StatusCode::FAILED_PRECONDITION, why};
  if (!book_.begin_run())
    return {StatusCode::FAILED_PRECONDITION, "a calibration is running already"};
  return Status::OK;
}

control::SpeedModel CalibrationDesk::speed_in_force() const {
  if (auto f = book_.in_force("speed"); f && f->unusable.empty()) {
    std::string ignored;
    if (auto m = calibration::speed_model_from(f->record.data, ignored)) return *m;
  }
  return cfg_.nominal_speed;
}

void CalibrationDesk::commit(const std::string& kind, const std::string& by,
                             std::function<void(Status, v1::Calibration)> done) {
  const auto staged = book_.staged(kind);
  if (!staged) {
    return done(Status(StatusCode::NOT_FOUND, "no " + kind + " calibration is staged"), {});
  }
  // The loop's command that puts it in force, and the one that puts the old one back.
  control::Command c, back;
  if (kind == "speed") {
    c.kind = back.kind = control::CommandKind::kSetSpeedModel;
    c.speed_model = staged->speed_model;
    back.speed_model = speed_in_force();
  } else if (kind == "sensors") {
    c.kind = back.kind = control::CommandKind::kSetSensorOffsets;
    c.sensor_offsets = staged->sensor_offsets;
    back.sensor_offsets = offsets_in_force(book_);
  } else {
    c.kind = back.kind = control::CommandKind::kSetDepthMap;
    c.depth_map = staged->depth_map;
    back.depth_map = map_in_force(book_);
  }
  port_.submit(c, [this, staged = *staged, back, by, done = std::move(done)](control::Verdict v,
                                                                             uint32_t detail) {
    if (v != control::Verdict::kAccepted) {
      return done(verdict_status(v, detail, "committing the " + staged.kind + " calibration"), {});
    }
    store::CalibrationRecord r;
    r.kind = staged.kind;
    r.wall_ns = wall_now_ns();
    r.by = by;
    r.due_wall_ns = r.wall_ns + cfg_.valid_for_ns;
    r.data = staged.data_json;
    std::string error;
    if (!records_.commit_calibration(r, control::MonotonicClock().now_ns(), error)) {
      // Not recorded, so not in force: the loop goes back to what it had.
      port_.submit(back, [](control::Verdict, uint32_t) {});
      return done(Status(StatusCode::UNAVAILABLE, "the records cannot be written (" + error +
                                                      "): the calibration stays staged and "
                                                      "the old one in force"),
                  {});
    }
    book_.set_in_force(r.kind, {r, ""});
    book_.discard(r.kind);
    done(Status::OK, to_proto(r, r.wall_ns));
  });
}

}  // namespace dermad::api
