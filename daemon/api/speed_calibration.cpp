// The speed calibration's steps (docs/CALIBRATION.md, "speed"): a sweep of steady speeds over
// the device's range with the speed loop closed (service runs with the needles at their
// shallowest and no cartridge), each giving the duty the motor needs there at the measured
// supply; the feed-forward fitted from them; then the relay experiment about 100 Hz (the
// loop's kRelayTest), whose swing identifies the plant the PI gains are tuned and checked on.
// Staged with the step response on that plant under the old gains and the new. Polled on the
// io_context, as the depth calibration is.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/api/calibration_desk.hpp"
#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/stream_outbox.hpp"
#include "daemon/calibration/speed_record.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
const std::vector<double> kDefaultSweepHz = {50, 70, 90, 110, 130, 150};
constexpr uint32_t kSweepRunMs = 4000;      // each point's service run, at most
constexpr int64_t kSteadyNs = 300'000'000;  // within 1 % this long before it is measured
constexpr int kAveragedTicks = 200;
constexpr double kRelaySetpointHz = 100.0;
constexpr double kRelayDuty = 0.08;
constexpr uint32_t kRelayMs = 3000;
constexpr int64_t kRelaySkipNs = 1'000'000'000;  // the swing settles into its cycle first

std::string hz(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f Hz", v);
  return b;
}

}  // namespace

class SpeedRun : public std::enable_shared_from_this<SpeedRun> {
 public:
  using Outbox = StreamOutbox<v1::CalibrationProgress>;

  SpeedRun(CommandPort& port, boost::asio::io_context& io, calibration::CalibrationBook& book,
           CalibrationDesk::Record record, std::shared_ptr<Outbox> out, std::string by,
           control::SpeedModel before, std::vector<double> sweep_hz)
      : port_(port),
        timer_(io),
        book_(book),
        record_(std::move(record)),
        out_(std::move(out)),
        by_(std::move(by)),
        sweep_hz_(std::move(sweep_hz)),
        cursor_(port.core().telemetry().head()) {
    cal_.before = before;
    cal_.supply_nominal_v = port.core().geometry().supply_nominal_v;
  }
  ~SpeedRun() { book_.end_run(); }

  void start() { next_point(); }

  void abort(std::string why) {
    std::lock_guard lock(mu_);
    if (!abort_) abort_ = std::move(why);
  }

 private:
  enum class Phase { kSettling, kEnding, kRelay };

  // The sweep's points and the relay.
  uint32_t steps() const { return static_cast<uint32_t>(sweep_hz_.size() + 1); }

  void say(const std::string& phase, const std::string& text) {
    v1::CalibrationProgress p;
    p.set_phase(phase);
    p.set_point(static_cast<uint32_t>(std::min<std::size_t>(index_ + 1, steps())));
    p.set_points(steps());
    p.set_text(text);
    out_->push(std::move(p));
  }

  void next_point() {
    const double target = sweep_hz_[index_];
    say("running", "sweep: the drive at " + hz(target) + ", measuring the duty it needs");
    control::Command c;
    c.kind = control::CommandKind::kJog;
    c.depth_um = port_.core().config().limits.depth_min_um;
    c.speed_hz = target;
    c.duration_ms = kSweepRunMs;
    steady_since_ns_ = -1;
    duty_ = supply_ = speed_ = 0.0;
    samples_ = 0;
    submit(c, Phase::kSettling, "the sweep's run at " + hz(target));
  }

  void relay() {
    // The bias holds about 100 Hz by the feed-forward just fitted; the relay swings about it.
    const double v_nom = port_.core().geometry().supply_nominal_v;
    const double bias =
        kRelaySetpointHz / cal_.ff.no_load_hz * (v_nom / supply_avg_) + cal_.ff.friction_duty;
    say("running", "relay: the drive switched " + std::to_string(kRelayDuty).substr(0, 4) +
                       " duty about its bias as the speed crosses " + hz(kRelaySetpointHz));
    control::Command c;
    c.kind = control::CommandKind::kRelayTest;
    c.speed_hz = kRelaySetpointHz;
    c.duty = std::clamp(bias, kRelayDuty, 1.0 - kRelayDuty);
    c.relay_duty = kRelayDuty;
    c.duration_ms = kRelayMs;
    relay_t_.clear();
    relay_hz_.clear();
    submit(c, Phase::kRelay, "the relay test");
  }

  void submit(const control::Command& c, Phase next, const std::string& what) {
    port_.submit(c, [self = shared_from_this(), next, what](control::Verdict v, uint32_t d) {
      if (v != control::Verdict::kAccepted) {
        const std::string why = refusal_text(v, d, what);
        return self->end("failed", why, Status(StatusCode::ABORTED, why));
      }
      self->in_service_ = true;
      self->phase_ = next;
      self->cursor_ = self->port_.core().telemetry().head();
      self->poll();
    });
  }

  void poll() {
    if (out_->cancelled()) abort("the engineer's client went away");
    std::optional<std::string> abort_why;
    {
      std::lock_guard lock(mu_);
      abort_why = abort_;
    }
    if (abort_why) {
      stop_service();
      return end("aborted", "aborted: " + *abort_why + "; the old calibration stays",
                 Status(StatusCode::ABORTED, "the speed calibration was aborted: " + *abort_why));
    }
    control::Snapshot s;
    uint64_t lost = 0;
    while (port_.core().telemetry().next(cursor_, s, lost)) {
      if (s.state != control::State::kService) {
        in_service_ = false;
        if (s.alarms.active != 0 || s.state != control::State::kIdle) return interrupted(s);
        if (phase_ == Phase::kEnding) return point_done();
        if (phase_ == Phase::kRelay) return relay_done();
        const std::string why =
            "the run at " + hz(sweep_hz_[index_]) + " ended before its speed was steady";
        return end("failed", why, Status(StatusCode::ABORTED, why));
      }
      observe(s);
    }
    if (phase_ == Phase::kSettling && samples_ >= kAveragedTicks) {
      cal_.sweep.push_back({duty_ / samples_, supply_ / samples_, speed_ / samples_});
      cal_.sweep_targets_hz.push_back(sweep_hz_[index_]);
      phase_ = Phase::kEnding;
      stop_service();
    }
    timer_.expires_after(kPoll);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  void observe(const control::Snapshot& s) {
    if (phase_ == Phase::kRelay) {
      relay_t_.push_back(s.t_ns);
      relay_hz_.push_back(s.speed_hz);
      return;
    }
    if (phase_ != Phase::kSettling) return;
    const double target = sweep_hz_[index_];
    const bool steady = s.motor_enabled && s.speed_target_hz == target &&
                        std::abs(s.speed_hz - target) <= 0.01 * target;
    if (!steady) {
      steady_since_ns_ = -1;
      samples_ = 0;
      duty_ = supply_ = speed_ = 0.0;
      return;
    }
    if (steady_since_ns_ < 0) steady_since_ns_ = s.t_ns;
    if (s.t_ns - steady_since_ns_ >= kSteadyNs && samples_ < kAveragedTicks) {
      duty_ += s.motor_duty;
      supply_ += s.supply_v;
      speed_ += s.speed_hz;
      ++samples_;
    }
  }

  void point_done() {
    ++index_;
    if (index_ < sweep_hz_.size()) return next_point();
    say("fitting", "fitting the feed-forward to " + std::to_string(cal_.sweep.size()) + " points");
    calibration::FeedForwardLimits lim;
    lim.span_low_hz = sweep_hz_.front() + 2.0;  // the sweep's ends, give or take its 1 %
    lim.span_high_hz = sweep_hz_.back() - 2.0;
    const auto ff =
        calibration::fit_feed_forward(cal_.sweep, port_.core().geometry().supply_nominal_v, lim);
    if (!ff.ok) return refused(ff.refusals);
    cal_.ff = ff.ff;
    supply_avg_ = 0.0;
    for (const auto& p : cal_.sweep) supply_avg_ += p.supply_v / cal_.sweep.size();
    relay();
  }

  void relay_done() {
    // Upward crossings of the setpoint after the first second: the period between them, the
    // swing between them.
    std::vector<int64_t> ups;
    double lo = INFINITY, hi = -INFINITY;
    const int64_t from = relay_t_.empty() ? 0 : relay_t_.front() + kRelaySkipNs;
    for (std::size_t i = 1; i < relay_t_.size(); ++i) {
      if (relay_t_[i] < from) continue;
      if (relay_hz_[i - 1] < kRelaySetpointHz && relay_hz_[i] >= kRelaySetpointHz) {
        ups.push_back(relay_t_[i]);
      }
      if (ups.empty()) continue;
      lo = std::min(lo, relay_hz_[i]);
      hi = std::max(hi, relay_hz_[i]);
    }
    if (ups.size() < 3) {
      return refused({"the relay test made " + std::to_string(ups.size()) +
                      " upward crossings of " + hz(kRelaySetpointHz) +
                      " after its first second, not the 3 a period needs"});
    }
    cal_.relay.relay_duty = kRelayDuty;
    cal_.relay.period_s =
        1e-9 * static_cast<double>(ups.back() - ups.front()) / static_cast<double>(ups.size() - 1);
    cal_.relay.amplitude_hz = (hi - lo) / 2.0;
    say("fitting", "tuning the speed loop on the plant the relay test identified");
    calibration::TuneLimits tl;
    tl.period_s = 1e-9 * static_cast<double>(port_.core().config().period_ns);
    const double v_nom = port_.core().geometry().supply_nominal_v;
    const auto tuned =
        calibration::tune_pi(cal_.relay, cal_.ff.no_load_hz * supply_avg_ / v_nom, tl);
    if (!tuned.ok) return refused(tuned.refusals);
    cal_.tuning = tuned.tuning;
    cal_.step_before = calibration::judge_pi(cal_.tuning.plant, cal_.before.kp, cal_.before.ki, tl);
    const control::SpeedModel model = calibration::speed_model_of(cal_);
    if (!control::plausible(model)) {
      return refused({"the tuned model (kp " + std::to_string(model.kp) + ", ki " +
                      std::to_string(model.ki) + ", no-load " + hz(model.no_load_hz) +
                      ") is not one this pen's motor can have"});
    }
    const store::Details data = calibration::speed_data(cal_);
    calibration::Staged st;
    st.kind = "speed";
    st.by = by_;
    st.wall_ns = wall_now_ns();
    st.summary = calibration::speed_summary(data);
    st.data_json = store::details_text(data);
    st.speed_model = model;
    book_.stage(st);
    v1::CalibrationProgress p;
    p.set_phase("staged");
    p.set_point(steps());
    p.set_points(steps());
    p.set_text("staged: " + st.summary + ". Nothing changed yet: commit it to put it in force");
    *p.mutable_result() = to_proto(st);
    out_->push(std::move(p));
    record_("calibration_ended",
            store::details_text(
                {{"kind", "speed"}, {"outcome", "staged"}, {"by", by_}, {"summary", st.summary}}));
    out_->close();
  }

  void refused(const std::vector<std::string>& reasons) {
    stop_service();
    v1::CalibrationProgress p;
    p.set_phase("refused");
    p.set_text("the calibration is refused");
    for (const auto& why : reasons) p.add_refusals(why);
    out_->push(std::move(p));
    store::Details list = store::Details::array();
    for (const auto& why : reasons) list.push_back(why);
    record_("calibration_ended",
            store::details_text(
                {{"kind", "speed"}, {"outcome", "refused"}, {"by", by_}, {"reasons", list}}));
    out_->close();
  }

  void interrupted(const control::Snapshot& s) {
    const std::string why = s.state == control::State::kEstop ? "the e-stop"
                            : s.alarms.active != 0
                                ? "alarm " + control::alarm_codes(s.alarms.active)
                                : "the device leaving SERVICE";
    end("interrupted", "interrupted by " + why + ": the pen is safe and the old calibration stays",
        Status(StatusCode::ABORTED, "the speed calibration was interrupted by " + why));
  }

  void end(const std::string& outcome, const std::string& text, Status st) {
    say(outcome, text);
    record_("calibration_ended",
            store::details_text(
                {{"kind", "speed"}, {"outcome", outcome}, {"by", by_}, {"reason", text}}));
    out_->close(std::move(st));
  }

  void stop_service() {
    if (!in_service_) return;
    control::Command c;
    c.kind = control::CommandKind::kStopService;
    port_.submit(c, [](control::Verdict, uint32_t) {});
  }

  CommandPort& port_;
  boost::asio::steady_timer timer_;
  calibration::CalibrationBook& book_;
  CalibrationDesk::Record record_;
  std::shared_ptr<Outbox> out_;
  const std::string by_;
  const std::vector<double> sweep_hz_;
  uint64_t cursor_;
  std::size_t index_ = 0;
  Phase phase_ = Phase::kSettling;
  bool in_service_ = false;
  int64_t steady_since_ns_ = -1;
  double duty_ = 0, supply_ = 0, speed_ = 0;
  int samples_ = 0;
  double supply_avg_ = 0;
  std::vector<int64_t> relay_t_;
  std::vector<double> relay_hz_;
  calibration::SpeedCalibration cal_;
  std::mutex mu_;
  std::optional<std::string> abort_;
};

grpc::ServerWriteReactor<v1::CalibrationProgress>* CalibrationDesk::start_speed(
    const v1::CalibrateSpeedRequest& req, const std::string& by, std::shared_ptr<void> ticket) {
  auto refuse = [](StatusCode code, const std::string& why) {
    return refused_stream<v1::CalibrationProgress>(Status(code, why));
  };
  std::vector<double> sweep(req.sweep_hz().begin(), req.sweep_hz().end());
  if (sweep.empty()) sweep = kDefaultSweepHz;
  const auto& lim = port_.core().config().limits;
  if (sweep.size() < 6 || sweep.size() > 12) {
    return refuse(
        StatusCode::INVALID_ARGUMENT,
        "sweep_hz: a speed sweep needs 6 to 12 points, got " + std::to_string(sweep.size()));
  }
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    if (!(sweep[i] >= lim.speed_min_hz && sweep[i] <= lim.speed_max_hz)) {
      return refuse(StatusCode::INVALID_ARGUMENT,
                    "sweep_hz: " + hz(sweep[i]) + " outside the device's " + hz(lim.speed_min_hz) +
                        ".." + hz(lim.speed_max_hz));
    }
    if (i > 0 && !(sweep[i] > sweep[i - 1])) {
      return refuse(StatusCode::INVALID_ARGUMENT, "sweep_hz: not ascending");
    }
  }
  if (sweep.front() > lim.speed_min_hz + 10.0 || sweep.back() < lim.speed_max_hz - 10.0) {
    return refuse(StatusCode::INVALID_ARGUMENT,
                  "sweep_hz: the sweep must span the device's range, from within 10 Hz of " +
                      hz(lim.speed_min_hz) + " to within 10 Hz of " + hz(lim.speed_max_hz));
  }
  if (Status st = admit_run(true); !st.ok()) return refuse(st.error_code(), st.error_message());
  auto* stream = new OutboxStream<v1::CalibrationProgress>(std::move(ticket));
  auto run = std::make_shared<SpeedRun>(port_, io_, book_, record_, stream->outbox(), by,
                                        speed_in_force(), std::move(sweep));
  {
    std::lock_guard lock(mu_);
    running_speed_ = run;
  }
  boost::asio::post(io_, [run] { run->start(); });
  return stream;
}

void abort_speed_run(SpeedRun& run, const std::string& why) {
  run.abort(why);
}

}  // namespace dermad::api
