// The sensors calibration's steps (docs/CALIBRATION.md, "sensors"): the loop holds the needles
// home with the drive off (kHoldDepth at 0, so nothing else may start a drive meanwhile); once
// settled, the run averages the raw current, force and temperature readings; then the hold
// ends and the offsets are fitted and staged, or refused. Polled on the io_context.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/stream_outbox.hpp"
#include "daemon/calibration/sensors_record.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr int64_t kSettleNs = 200'000'000;  // home and still this long before the first sample
constexpr int kSamples = 500;               // then each sensor averaged over these ticks

// Mean and standard deviation, one sample at a time (Welford: no loss of precision over a
// temperature of 24 C read 500 times).
struct Running {
  int n = 0;
  double mean = 0.0, m2 = 0.0;
  void add(double x) {
    ++n;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  double sd() const { return n > 1 ? std::sqrt(m2 / (n - 1)) : 0.0; }
};

}  // namespace

class SensorsRun : public std::enable_shared_from_this<SensorsRun> {
 public:
  using Outbox = StreamOutbox<v1::CalibrationProgress>;

  SensorsRun(CommandPort& port, boost::asio::io_context& io, calibration::CalibrationBook& book,
             CalibrationDesk::Record record, std::shared_ptr<Outbox> out, double reference_c,
             std::string by)
      : port_(port),
        timer_(io),
        book_(book),
        record_(std::move(record)),
        out_(std::move(out)),
        reference_c_(reference_c),
        by_(std::move(by)) {}

  ~SensorsRun() { book_.end_run(); }

  // "measuring" goes out once the hold is the loop's: from then on the pen is in SERVICE.
  void start() {
    control::Command c;
    c.kind = control::CommandKind::kHoldDepth;
    c.depth_um = 0;
    port_.submit(c, [self = shared_from_this()](control::Verdict v, uint32_t detail) {
      if (v != control::Verdict::kAccepted) {
        const std::string why = refusal_text(v, detail, "holding the needles home");
        return self->end("failed", why, Status(StatusCode::ABORTED, why));
      }
      self->holding_ = true;
      self->cursor_ = self->port_.core().telemetry().head();
      self->out_->push(self->progress(
          "measuring", "holding the needles home, drive off; keep the tip free and the pen still"));
      self->poll();
    });
  }

  void abort(std::string why) {
    std::lock_guard lock(mu_);
    if (!abort_) abort_ = std::move(why);
  }

 private:
  v1::CalibrationProgress progress(const std::string& phase, const std::string& text) const {
    v1::CalibrationProgress p;
    p.set_phase(phase);
    p.set_point(1);
    p.set_points(1);
    p.set_text(text);
    return p;
  }

  void poll() {
    if (out_->cancelled()) abort("the engineer's client went away");
    std::optional<std::string> why;
    {
      std::lock_guard lock(mu_);
      why = abort_;
    }
    if (why) {
      return end("aborted", "aborted: " + *why + "; the old calibration stays",
                 Status(StatusCode::ABORTED, "the sensors calibration was aborted: " + *why));
    }
    control::Snapshot s;
    uint64_t lost = 0;
    while (port_.core().telemetry().next(cursor_, s, lost)) {
      if (s.state != control::State::kService) return interrupted(s);
      observe(s);
    }
    if (current_.n >= kSamples) return fit();
    timer_.expires_after(kPoll);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  // What each sensor gave: the reading plus the offset the loop took off it.
  void observe(const control::Snapshot& s) {
    if (!s.depth_at_target || s.depth_target_um != 0 || s.motor_enabled) {
      settled_since_ns_ = -1;
      return;
    }
    if (settled_since_ns_ < 0) settled_since_ns_ = s.t_ns;
    if (s.t_ns - settled_since_ns_ < kSettleNs || current_.n >= kSamples) return;
    current_.add(s.motor_current_ma + s.sensor_offsets.current_ma);
    force_.add(s.force_n + s.sensor_offsets.force_n);
    temperature_.add(s.temperature_c + s.sensor_offsets.temperature_c);
    before_ = s.sensor_offsets;
  }

  void interrupted(const control::Snapshot& s) {
    holding_ = false;  // the loop has ended the hold itself
    const std::string why = s.state == control::State::kEstop ? "the e-stop"
                            : s.alarms.active != 0
                                ? "alarm " + control::alarm_codes(s.alarms.active)
                                : "the hold ended by itself";
    end("interrupted", "interrupted by " + why + ": the pen is safe and the old calibration stays",
        Status(StatusCode::ABORTED, "the sensors calibration was interrupted by " + why));
  }

  void fit() {
    stop_hold();
    out_->push(progress("fitting", "fitting " + std::to_string(current_.n) + " readings"));
    calibration::SensorsMeasurement m;
    m.samples = current_.n;
    m.current_mean_ma = current_.mean;
    m.current_sd_ma = current_.sd();
    m.force_mean_n = force_.mean;
    m.force_sd_n = force_.sd();
    m.temperature_mean_c = temperature_.mean;
    m.temperature_sd_c = temperature_.sd();
    const auto f = calibration::fit_sensors(m, reference_c_);
    if (!f.ok) {
      v1::CalibrationProgress p = progress("refused", "the calibration is refused");
      store::Details reasons = store::Details::array();
      for (const auto& r : f.refusals) {
        p.add_refusals(r);
        reasons.push_back(r);
      }
      out_->push(std::move(p));
      record_(
          "calibration_ended",
          store::details_text(
              {{"kind", "sensors"}, {"outcome", "refused"}, {"by", by_}, {"reasons", reasons}}));
      return out_->close();
    }
    const store::Details data = calibration::sensors_data(f, m, reference_c_, before_);
    calibration::Staged st;
    st.kind = "sensors";
    st.by = by_;
    st.wall_ns = wall_now_ns();
    st.summary = calibration::sensors_summary(data);
    st.data_json = store::details_text(data);
    st.sensor_offsets = f.offsets;
    book_.stage(st);
    v1::CalibrationProgress p = progress(
        "staged", "staged: " + st.summary + ". Nothing changed yet: commit it to put it in force");
    *p.mutable_result() = to_proto(st);
    out_->push(std::move(p));
    record_(
        "calibration_ended",
        store::details_text(
            {{"kind", "sensors"}, {"outcome", "staged"}, {"by", by_}, {"summary", st.summary}}));
    out_->close();
  }

  void end(const std::string& outcome, const std::string& text, Status st) {
    stop_hold();
    out_->push(progress(outcome, text));
    record_("calibration_ended",
            store::details_text(
                {{"kind", "sensors"}, {"outcome", outcome}, {"by", by_}, {"reason", text}}));
    out_->close(std::move(st));
  }

  void stop_hold() {
    if (!holding_) return;
    holding_ = false;
    control::Command c;
    c.kind = control::CommandKind::kStopService;
    port_.submit(c, [](control::Verdict, uint32_t) {});
  }

  CommandPort& port_;
  boost::asio::steady_timer timer_;
  calibration::CalibrationBook& book_;
  CalibrationDesk::Record record_;
  std::shared_ptr<Outbox> out_;
  const double reference_c_;
  const std::string by_;
  uint64_t cursor_ = 0;
  bool holding_ = false;
  int64_t settled_since_ns_ = -1;
  Running current_, force_, temperature_;
  control::SensorOffsets before_;
  std::mutex mu_;  // abort_, from other calls
  std::optional<std::string> abort_;
};

grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrationDesk::start_sensors(
    const v1::CalibrateSensorsRequest& req, const std::string& by, std::shared_ptr<void> ticket) {
  const double ref = req.reference_c();
  if (!req.has_reference_c() ||
      !(ref >= calibration::kReferenceMinC && ref <= calibration::kReferenceMaxC)) {
    return refused_stream<v1::CalibrationProgress>(Status(
        StatusCode::INVALID_ARGUMENT,
        req.has_reference_c()
            ? "reference_c " + (std::ostringstream() << ref).str() +
                  " outside 10..40 C: read the reference thermometer at the handpiece again"
            : "reference_c: the reference thermometer's reading at the handpiece is needed"));
  }
  if (Status st = admit_run(false); !st.ok()) return refused_stream<v1::CalibrationProgress>(st);
  auto* stream = new OutboxStream<v1::CalibrationProgress>(std::move(ticket));
  auto run = std::make_shared<SensorsRun>(port_, io_, book_, record_, stream->outbox(), ref, by);
  {
    std::lock_guard lock(mu_);
    running_sensors_ = run;
  }
  boost::asio::post(io_, [run] { run->start(); });
  return stream;
}

void abort_sensors_run(SensorsRun& run, const std::string& why) {
  run.abort(why);
}

}  // namespace dermad::api
