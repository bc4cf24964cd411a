// The calibrations an engineer runs through EngineeringService (#14): the running one (at
// most one: the loop has one drive), the gauge readings and aborts that reach it from other
// calls, and the commit that puts a staged result in force and in the records. Each
// calibration's steps run on the I/O side's io_context; the loop's routines move the pen.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/api/command_port.hpp"
#include "daemon/calibration/calibration_book.hpp"
#include "daemon/store/store.hpp"
#include "dermad/v1/engineering.grpc.pb.h"

namespace dermad::api {

class DepthRun;
class SpeedRun;
class SensorsRun;

struct CalibrationConfig {
  int64_t valid_for_ns = 365LL * 24 * 3600 * 1'000'000'000;  // a commit's due date from now
  // The speed loop's model without a speed calibration (built-in gains, datasheet motor).
  control::SpeedModel nominal_speed{0.03, 0.3, 200.0, 0.04};
};

class CalibrationDesk {
 public:
  // `record` writes an event (kind, details JSON) to the records.
  using Record = std::function<void(const std::string&, const std::string&)>;

  CalibrationDesk(CommandPort& port, boost::asio::io_context& io,
                  calibration::CalibrationBook& book, store::Store& records, Record record,
                  CalibrationConfig cfg)
      : port_(port),
        io_(io),
        book_(book),
        records_(records),
        record_(std::move(record)),
        cfg_(cfg) {}

  // A depth calibration for `by`, streaming its progress; refused (a finished stream) when it
  // may not start.
  grpc::ServerWriteReactor<v1::CalibrationProgress>* start_depth(
      const v1::CalibrateDepthRequest& req, const std::string& by, std::shared_ptr<void> ticket);
  // A speed calibration for `by`: a sweep of steady speeds, then the relay experiment.
  grpc::ServerWriteReactor<v1::CalibrationProgress>* start_speed(
      const v1::CalibrateSpeedRequest& req, const std::string& by, std::shared_ptr<void> ticket);
  // A sensors calibration for `by`, against the reference thermometer's `reference_c`.
  grpc::ServerWriteReactor<v1::CalibrationProgress>* start_sensors(
      const v1::CalibrateSensorsRequest& req, const std::string& by, std::shared_ptr<void> ticket);
  grpc::Status submit_reading(uint32_t point, double gauge_um);
  grpc::Status abort(const std::string& by);

  // Puts the staged `kind` in force (the loop first, then the records; a record that cannot
  // be written puts the old one back) and answers the committed calibration. `done` runs on
  // the io_context.
  void commit(const std::string& kind, const std::string& by,
              std::function<void(grpc::Status, v1::Calibration)> done);

  calibration::CalibrationBook& book() { return book_; }
  const CalibrationConfig& config() const { return cfg_; }
  // The speed model in force: the newest usable commit's, else the nominal one.
  control::SpeedModel speed_in_force() const;

 private:
  // OK when a calibration may start now (IDLE, homed, no alarms; for `free_drive`, no
  // cartridge) and none runs: it then counts as running. Else every reason.
  grpc::Status admit_run(bool free_drive);

  CommandPort& port_;
  boost::asio::io_context& io_;
  calibration::CalibrationBook& book_;
  store::Store& records_;
  Record record_;
  CalibrationConfig cfg_;
  std::mutex mu_;
  std::weak_ptr<DepthRun> running_;
  std::weak_ptr<SpeedRun> running_speed_;
  std::weak_ptr<SensorsRun> running_sensors_;
};

void abort_speed_run(SpeedRun& run, const std::string& why);      // speed_calibration.cpp
void abort_sensors_run(SensorsRun& run, const std::string& why);  // sensors_calibration.cpp

// A record as the API shows it; `due` judged at `now_wall_ns`.
v1::Calibration to_proto(const store::CalibrationRecord& r, int64_t now_wall_ns);
v1::Calibration to_proto(const calibration::Staged& s);

}  // namespace dermad::api
