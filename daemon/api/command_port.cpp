#include "daemon/api/command_port.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace dermad::api {

namespace {

struct Poll : std::enable_shared_from_this<Poll> {
  Poll(boost::asio::io_context& io, control::ControlCore& core, uint32_t id, CommandPort::Done d)
      : timer(io), core(core), id(id), done(std::move(d)) {}

  void arm() {
    timer.expires_after(std::chrono::milliseconds(1));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
      uint32_t detail = 0;
      const auto v = self->core.verdict(self->id, &detail);
      if (v != control::Verdict::kPending) return self->done(v, detail);
      if (++self->polls >= 500) return self->done(control::Verdict::kPending, 0);
      self->arm();
    });
  }

  boost::asio::steady_timer timer;
  control::ControlCore& core;
  uint32_t id;
  CommandPort::Done done;
  int polls = 0;
};

}  // namespace

void CommandPort::submit(control::Command c, Done done,
                         const std::function<void(uint32_t id)>& before) {
  c.id = next_id_.fetch_add(1) & 0xFFFFFF;
  if (before) before(c.id);
  if (!core_.submit(c)) {
    boost::asio::post(io_, [done = std::move(done)] { done(control::Verdict::kPending, 0); });
    return;
  }
  std::make_shared<Poll>(io_, core_, c.id, std::move(done))->arm();
}

}  // namespace dermad::api
