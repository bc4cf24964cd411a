// The depth calibration's steps (docs/CALIBRATION.md): for each point the loop holds the stop
// there (kHoldDepth, raw: the map is what is measured), the run waits for it to settle and
// averages the position sensor, then asks for the gauge reading; after the last, the needles
// go home, the points are fitted and the result staged or refused. Polled on the io_context.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <vector>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/stream_outbox.hpp"
#include "daemon/calibration/depth_fit.hpp"
#include "daemon/calibration/depth_record.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
// At its target this long before the sensor is read: well over the depth controller's
// settling and its sensor corrections.
constexpr int64_t kSettleNs = 300'000'000;
constexpr int kAveragedTicks = 100;                 // then the sensor, averaged over these
constexpr int64_t kMoveTimeoutNs = 10'000'000'000;  // a point not settled by then: failed
const std::vector<int32_t> kDefaultPoints = {0, 250, 500, 1000, 1500, 2000};

}  // namespace

class DepthRun : public std::enable_shared_from_this<DepthRun> {
 public:
  using Outbox = StreamOutbox<v1::CalibrationProgress>;

  DepthRun(CommandPort& port, boost::asio::io_context& io, calibration::CalibrationBook& book,
           CalibrationDesk::Record record, std::shared_ptr<Outbox> out, std::vector<int32_t> points,
           std::string by)
      : port_(port),
        timer_(io),
        book_(book),
        record_(std::move(record)),
        out_(std::move(out)),
        points_(std::move(points)),
        by_(std::move(by)),
        cursor_(port.core().telemetry().head()) {}

  ~DepthRun() { book_.end_run(); }

  void start() { move(); }

  Status submit_reading(uint32_t point, double gauge_um) {
    std::lock_guard lock(mu_);
    if (asked_point_ == 0) {
      return {
          StatusCode::FAILED_PRECONDITION,
          "no reading is asked for yet: the pen is moving to point " + std::to_string(index_ + 1)};
    }
    if (point != asked_point_) {
      return {StatusCode::INVALID_ARGUMENT, "point " + std::to_string(point) +
                                                " is not the one asked for (point " +
                                                std::to_string(asked_point_) + ")"};
    }
    const calibration::DepthLimitsForFit lim;
    if (!std::isfinite(gauge_um) || gauge_um < lim.gauge_min_um || gauge_um > lim.gauge_max_um) {
      std::ostringstream o;
      o << "gauge_um " << gauge_um << " outside " << lim.gauge_min_um << ".." << lim.gauge_max_um
        << " um: a misread, measure again";
      return {StatusCode::INVALID_ARGUMENT, o.str()};
    }
    reading_ = gauge_um;
    asked_point_ = 0;
    return Status::OK;
  }

  void abort(std::string why) {
    std::lock_guard lock(mu_);
    if (!abort_) abort_ = std::move(why);
  }

 private:
  v1::CalibrationProgress progress(const std::string& phase, const std::string& text) const {
    v1::CalibrationProgress p;
    p.set_phase(phase);
    p.set_point(static_cast<uint32_t>(std::min(index_ + 1, points_.size())));
    p.set_points(static_cast<uint32_t>(points_.size()));
    if (index_ < points_.size()) p.set_target_um(points_[index_]);
    p.set_position_um(position_um_);
    p.set_text(text);
    return p;
  }

  void move() {
    const int32_t target = points_[index_];
    out_->push(progress("moving", "moving the needle stop to " + std::to_string(target) + " um"));
    control::Command c;
    c.kind = control::CommandKind::kHoldDepth;
    c.depth_um = target;
    settled_since_ns_ = -1;
    sum_um_ = 0.0;
    samples_ = 0;
    port_.submit(c, [self = shared_from_this()](control::Verdict v, uint32_t detail) {
      if (v != control::Verdict::kAccepted) {
        return self->end("failed", refusal_text(v, detail, "holding the depth"),
                         Status(StatusCode::ABORTED, refusal_text(v, detail, "holding the depth")),
                         false);
      }
      self->holding_ = true;
      // From here on the loop is in SERVICE for this hold: earlier ticks are not its.
      self->cursor_ = self->port_.core().telemetry().head();
      self->moved_ns_ = control::MonotonicClock().now_ns();
      self->poll();
    });
  }

  void poll() {
    if (out_->cancelled()) abort("the engineer's client went away");
    std::optional<std::string> abort_why;
    std::optional<double> reading;
    {
      std::lock_guard lock(mu_);
      abort_why = abort_;
      reading = reading_;
      reading_.reset();
    }
    if (abort_why) {
      return end("aborted", "aborted: " + *abort_why + "; the old calibration stays",
                 Status(StatusCode::ABORTED, "the depth calibration was aborted: " + *abort_why),
                 true);
    }
    control::Snapshot s;
    uint64_t lost = 0;
    bool left_service = false;
    while (port_.core().telemetry().next(cursor_, s, lost)) {
      if (s.state != control::State::kService) {
        left_service = true;
        break;
      }
      observe(s);
    }
    if (left_service) return interrupted(s);
    if (phase_ == Phase::kSettling && samples_ >= kAveragedTicks) {
      position_um_ = static_cast<int32_t>(std::lround(sum_um_ / samples_));
      phase_ = Phase::kReading;
      {
        std::lock_guard lock(mu_);
        asked_point_ = static_cast<uint32_t>(index_ + 1);
      }
      out_->push(progress("reading",
                          "measure the needles' protrusion with the gauge and enter "
                          "it (point " +
                              std::to_string(index_ + 1) + " of " + std::to_string(points_.size()) +
                              ")"));
    } else if (phase_ == Phase::kSettling &&
               control::MonotonicClock().now_ns() - moved_ns_ > kMoveTimeoutNs) {
      return end("failed",
                 "the needle stop did not settle at " + std::to_string(points_[index_]) +
                     " um within 10 s",
                 Status(StatusCode::ABORTED, "the needle stop did not settle at " +
                                                 std::to_string(points_[index_]) + " um"),
                 true);
    } else if (phase_ == Phase::kReading && reading) {
      readings_.push_back({static_cast<double>(points_[index_]), sum_um_ / samples_, *reading});
      ++index_;
      if (index_ == points_.size()) return fit();
      phase_ = Phase::kSettling;
      return move();
    }
    timer_.expires_after(kPoll);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  // A tick of the hold: settled once at its target for kSettleNs, then averaged.
  void observe(const control::Snapshot& s) {
    if (phase_ != Phase::kSettling || s.depth_target_um != points_[index_]) return;
    if (!s.depth_at_target) {
      settled_since_ns_ = -1;
      sum_um_ = 0.0;
      samples_ = 0;
      return;
    }
    if (settled_since_ns_ < 0) settled_since_ns_ = s.t_ns;
    if (s.t_ns - settled_since_ns_ >= kSettleNs && samples_ < kAveragedTicks) {
      sum_um_ += s.depth_position_um;
      ++samples_;
    }
  }

  void interrupted(const control::Snapshot& s) {
    holding_ = false;  // the loop has ended the hold itself, and the needles are home
    std::string why;
    if (s.state == control::State::kEstop) {
      why = "the e-stop";
    } else if (s.alarms.active != 0) {
      why = "alarm " + control::alarm_codes(s.alarms.active);
    } else {
      why = "the hold ended by itself (no reading within its time)";
    }
    end("interrupted", "interrupted by " + why + ": the pen is safe and the old calibration stays",
        Status(StatusCode::ABORTED, "the depth calibration was interrupted by " + why), true);
  }

  void fit() {
    stop_hold();
    out_->push(progress("fitting", "fitting " + std::to_string(readings_.size()) + " points"));
    const auto r = calibration::fit_depth(readings_);
    if (!r.ok) {
      v1::CalibrationProgress p = progress("refused", "the calibration is refused");
      for (const auto& why : r.refusals) p.add_refusals(why);
      out_->push(std::move(p));
      store::Details reasons = store::Details::array();
      for (const auto& why : r.refusals) reasons.push_back(why);
      record_("calibration_ended",
              store::details_text(
                  {{"kind", "depth"}, {"outcome", "refused"}, {"by", by_}, {"reasons", reasons}}));
      out_->close();
      return;
    }
    control::DepthMap before;
    if (auto f = book_.in_force("depth"); f && f->unusable.empty()) {
      std::string ignored;
      before = calibration::depth_map_from(f->record.data, ignored).value_or(control::DepthMap{});
    }
    const store::Details data = calibration::depth_data(r.fit, before);
    calibration::Staged st;
    st.kind = "depth";
    st.by = by_;
    st.wall_ns = wall_now_ns();
    st.summary = calibration::depth_summary(data);
    st.data_json = store::details_text(data);
    st.depth_map = calibration::to_depth_map(r.fit);
    book_.stage(st);
    v1::CalibrationProgress p = progress(
        "staged", "staged: " + st.summary + ". Nothing changed yet: commit it to put it in force");
    *p.mutable_result() = to_proto(st);
    out_->push(std::move(p));
    record_("calibration_ended",
            store::details_text(
                {{"kind", "depth"}, {"outcome", "staged"}, {"by", by_}, {"summary", st.summary}}));
    out_->close();
  }

  void end(const std::string& outcome, const std::string& text, Status st, bool stop) {
    if (stop) stop_hold();
    out_->push(progress(outcome, text));
    record_("calibration_ended",
            store::details_text(
                {{"kind", "depth"}, {"outcome", outcome}, {"by", by_}, {"reason", text}}));
    out_->close(std::move(st));
  }

  // The needles home and the drive the normal controllers' again; refused harmlessly when the
  // loop has ended the hold already.
  void stop_hold() {
    if (!holding_) return;
    holding_ = false;
    control::Command c;
    c.kind = control::CommandKind::kStopService;
    port_.submit(c, [](control::Verdict, uint32_t) {});
  }

  enum class Phase { kSettling, kReading };

  CommandPort& port_;
  boost::asio::steady_timer timer_;
  calibration::CalibrationBook& book_;
  CalibrationDesk::Record record_;
  std::shared_ptr<Outbox> out_;
  const std::vector<int32_t> points_;
  const std::string by_;
  uint64_t cursor_;
  std::size_t index_ = 0;
  Phase phase_ = Phase::kSettling;
  bool holding_ = false;
  int64_t moved_ns_ = 0;
  int64_t settled_since_ns_ = -1;
  double sum_um_ = 0.0;
  int samples_ = 0;
  int32_t position_um_ = 0;
  std::vector<calibration::DepthPoint> readings_;
  // Between the io thread and the calls that submit or abort.
  std::mutex mu_;
  uint32_t asked_point_ = 0;  // 1-based; 0: no reading asked for
  std::optional<double> reading_;
  std::optional<std::string> abort_;
};

grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrationDesk::start_depth(
    const v1::CalibrateDepthRequest& req, const std::string& by, std::shared_ptr<void> ticket) {
  using Refused = grpc::ServerWriteReactor<v1::CalibrationProgress>;
  auto refuse = [](StatusCode code, const std::string& why) -> Refused* {
    return refused_stream<v1::CalibrationProgress>(Status(code, why));
  };
  std::vector<int32_t> points(req.points_um().begin(), req.points_um().end());
  if (points.empty()) points = kDefaultPoints;
  const int32_t deepest = port_.core().config().limits.depth_max_um;
  if (points.size() < 3 || points.size() > control::DepthMap::kMaxPoints) {
    return refuse(StatusCode::INVALID_ARGUMENT,
                  "points_um: a depth calibration needs 3 to 16 points, got " +
                      std::to_string(points.size()));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i] < 0 || points[i] > deepest) {
      return refuse(StatusCode::INVALID_ARGUMENT, "points_um: " + std::to_string(points[i]) +
                                                      " outside 0.." + std::to_string(deepest) +
                                                      " um");
    }
    if (i > 0 && points[i] <= points[i - 1]) {
      return refuse(StatusCode::INVALID_ARGUMENT, "points_um: not ascending (" +
                                                      std::to_string(points[i - 1]) + " then " +
                                                      std::to_string(points[i]) + ")");
    }
  }
  if (Status st = admit_run(false); !st.ok()) return refused_stream<v1::CalibrationProgress>(st);
  auto* stream = new OutboxStream<v1::CalibrationProgress>(std::move(ticket));
  auto run = std::make_shared<DepthRun>(port_, io_, book_, record_, stream->outbox(),
                                        std::move(points), by);
  {
    std::lock_guard lock(mu_);
    running_ = run;
  }
  boost::asio::post(io_, [run] { run->start(); });
  return stream;
}

Status CalibrationDesk::submit_reading(uint32_t point, double gauge_um) {
  std::shared_ptr<DepthRun> run;
  {
    std::lock_guard lock(mu_);
    run = running_.lock();
  }
  if (!run) {
    return {StatusCode::FAILED_PRECONDITION, "no depth calibration is waiting for a reading"};
  }
  return run->submit_reading(point, gauge_um);
}

Status CalibrationDesk::abort(const std::string& by) {
  std::shared_ptr<DepthRun> run;
  std::shared_ptr<SpeedRun> speed;
  std::shared_ptr<SensorsRun> sensors;
  {
    std::lock_guard lock(mu_);
    run = running_.lock();
    speed = running_speed_.lock();
    sensors = running_sensors_.lock();
  }
  if (run) run->abort("by " + by);
  if (speed) abort_speed_run(*speed, "by " + by);
  if (sensors) abort_sensors_run(*sensors, "by " + by);
  if (!run && !speed && !sensors) {
    return {StatusCode::FAILED_PRECONDITION, "no calibration is running"};
  }
  return Status::OK;
}

}  // namespace dermad::api
