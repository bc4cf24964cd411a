#include "daemon/api/self_test.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/self_test_judge.hpp"
#include "daemon/api/stream_outbox.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

namespace {

struct DriveStep {
  int32_t depth_um;
  double speed_hz;
};
// Low, middle and high of the device's ranges; 1.5 s of drive each.
constexpr DriveStep kDriveSteps[] = {{500, 50.0}, {1000, 100.0}, {2000, 150.0}};
constexpr uint32_t kDriveMs = 1500;
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr int kStepTimeoutPolls = 400;  // 8 s: depth move, ramp, run, retraction

using Outbox = StreamOutbox<v1::SelfTestStep>;

// The steps, one after the other on the io thread; keeps itself alive through its timer's
// handlers. A cancelled call stops it between steps; a service run already started ends by
// itself (it is bounded).
class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(CommandPort& port, boost::asio::io_context& io, std::shared_ptr<Outbox> out,
      SelfTestRecord record)
      : port_(port),
        timer_(io),
        out_(std::move(out)),
        record_(std::move(record)),
        cursor_(port.core().telemetry().head()) {}

  void start() {
    control::Snapshot s;
    port_.core().telemetry().latest(s);
    emit(check_sensors(s, port_.core().geometry()));
    next_drive();
  }

 private:
  void emit(const StepResult& r) {
    results_.push_back(r);
    passed_ &= r.passed;
    v1::SelfTestStep m;
    m.set_index(static_cast<uint32_t>(results_.size()));
    m.set_total(1 + static_cast<uint32_t>(std::size(kDriveSteps)));
    m.set_name(r.name);
    m.set_passed(r.passed);
    m.set_detail(r.detail);
    for (const auto& f : r.figures) {
      auto* o = m.add_figures();
      o->set_name(f.name);
      o->set_value(f.value);
      o->set_unit(f.unit);
      o->set_limited(f.limited);
      o->set_min(f.min);
      o->set_max(f.max);
    }
    out_->push(std::move(m));
  }

  void next_drive() {
    if (out_->cancelled()) return finish("cancelled");
    if (step_ == std::size(kDriveSteps) || !passed_) return finish(passed_ ? "passed" : "failed");
    const DriveStep d = kDriveSteps[step_];
    judge_.emplace(d.depth_um, d.speed_hz);
    control::Command c;
    c.kind = control::CommandKind::kJog;
    c.depth_um = d.depth_um;
    c.speed_hz = d.speed_hz;
    c.duration_ms = kDriveMs;
    cursor_ = port_.core().telemetry().head();
    polls_ = 0;
    port_.submit(c, [self = shared_from_this()](control::Verdict v, uint32_t detail) {
      if (v != control::Verdict::kAccepted) {
        auto r = self->judge_->result();
        r.passed = false;
        r.detail = refusal_text(v, detail, "the service run");
        self->emit(r);
        return self->finish("failed");
      }
      self->poll();
    });
  }

  void poll() {
    control::Snapshot s;
    uint64_t lost = 0;
    while (port_.core().telemetry().next(cursor_, s, lost)) judge_->observe(s);
    if (judge_->finished() || ++polls_ > kStepTimeoutPolls) {
      auto r = judge_->result();
      if (!judge_->finished()) {
        r.passed = false;
        r.detail = "the run did not end within 8 s (" + r.detail + ")";
      }
      emit(r);
      ++step_;
      return next_drive();
    }
    timer_.expires_after(kPoll);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->poll();
    });
  }

  void finish(const std::string& outcome) {
    store::Details steps = store::Details::array();
    for (const auto& r : results_) {
      store::Details figures = store::Details::object();
      for (const auto& f : r.figures) figures[f.name] = f.value;
      steps.push_back(
          {{"name", r.name}, {"passed", r.passed}, {"detail", r.detail}, {"figures", figures}});
    }
    record_("self_test", store::details_text({{"outcome", outcome}, {"steps", std::move(steps)}}));
    out_->close();
  }

  CommandPort& port_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Outbox> out_;
  SelfTestRecord record_;
  uint64_t cursor_;
  std::size_t step_ = 0;
  int polls_ = 0;
  bool passed_ = true;
  std::optional<DriveJudge> judge_;
  std::vector<StepResult> results_;
};

}  // namespace

grpc::ServerWriteReactor<v1::SelfTestStep>* start_self_test(CommandPort& port,
                                                            boost::asio::io_context& io,
                                                            SelfTestRecord record,
                                                            std::shared_ptr<void> ticket) {
  control::Snapshot s;
  if (!port.core().telemetry().latest(s)) {
    return refused_stream<v1::SelfTestStep>(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the control loop has not started"));
  }
  if (const auto why = self_test_refusal(s); !why.empty()) {
    return refused_stream<v1::SelfTestStep>(
        grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, why));
  }
  auto* stream = new OutboxStream<v1::SelfTestStep>(std::move(ticket));
  auto run = std::make_shared<Run>(port, io, stream->outbox(), std::move(record));
  boost::asio::post(io, [run] { run->start(); });
  return stream;
}

}  // namespace dermad::api
