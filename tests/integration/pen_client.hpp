// A test's hands on the pen over gRPC, as the tablet app and the simulator's switches have
// them: cartridge, trigger, status, a good session request, the owner's link.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/engineering.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"

namespace dermad::test {

using namespace std::chrono_literals;

// Holds the owner's link open as the tablet does: reads each state and acknowledges it,
// until stopped. freeze() stops reading (the connection stays open), as a frozen app would;
// read_every() makes it a slow reader.
class LinkHolder {
 public:
  LinkHolder(v1::TreatmentService::Stub& stub, const std::string& token) {
    stream_ = stub.Link(&ctx_);
    v1::LinkBeat first;
    first.set_owner_token(token);
    stream_->Write(first);
    thread_ = std::thread([this] {
      v1::SessionInfo info;
      while (true) {
        while (frozen_.load()) std::this_thread::sleep_for(5ms);
        if (!stream_->Read(&info)) break;
        ++messages_;
        last_seq_.store(info.seq());
        std::this_thread::sleep_for(std::chrono::milliseconds(read_gap_ms_.load()));
        v1::LinkBeat b;
        b.set_ack_seq(info.seq());
        if (!stream_->Write(b)) break;
      }
      ended_.store(true);
    });
  }
  ~LinkHolder() { stop(); }
  void freeze() { frozen_.store(true); }
  void read_every(int ms) { read_gap_ms_.store(ms); }
  void stop() {
    if (!thread_.joinable()) return;
    ctx_.TryCancel();
    frozen_.store(false);
    thread_.join();
  }
  // The stream's end status, once it has ended by itself (false until then).
  bool ended() const { return ended_.load(); }
  // The stream's status; cancels it first unless it has ended by itself.
  grpc::Status finish() {
    if (ended_.load() && thread_.joinable()) thread_.join();
    stop();
    return stream_->Finish();
  }
  int messages() const { return messages_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::LinkBeat, v1::SessionInfo>> stream_;
  std::atomic<int> messages_{0};
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<bool> frozen_{false};
  std::atomic<bool> ended_{false};
  std::atomic<int> read_gap_ms_{0};
  std::thread thread_;
};

class PenClient {
 public:
  void connect(const std::shared_ptr<grpc::Channel>& channel) {
    device = v1::DeviceService::NewStub(channel);
    sim = v1::Simulator::NewStub(channel);
    treatment = v1::TreatmentService::NewStub(channel);
    engineering = v1::EngineeringService::NewStub(channel);
  }

  void insert_cartridge(const std::string& serial,
                        v1::CartridgeType type = v1::CARTRIDGE_TYPE_STANDARD) {
    grpc::ClientContext ctx;
    v1::InsertCartridgeRequest req;
    req.set_serial(serial);
    req.set_type(type);
    req.set_needles(36);
    req.set_expires("2030-12-31");
    v1::SimAck ack;
    ASSERT_TRUE(sim->InsertCartridge(&ctx, req, &ack).ok());
    // The loop sees the cartridge switch at its next tick.
    ASSERT_TRUE(wait_for([](const v1::Status& s) { return s.inputs().cartridge_present(); }, 5s));
  }
  void remove_cartridge() {
    grpc::ClientContext ctx;
    v1::RemoveCartridgeRequest req;
    v1::SimAck ack;
    ASSERT_TRUE(sim->RemoveCartridge(&ctx, req, &ack).ok());
    ASSERT_TRUE(wait_for([](const v1::Status& s) { return !s.inputs().cartridge_present(); }, 5s));
  }
  void trigger(bool on) {
    grpc::ClientContext ctx;
    v1::SetSwitchRequest req;
    req.set_on(on);
    v1::SimAck ack;
    ASSERT_TRUE(sim->SetTrigger(&ctx, req, &ack).ok());
  }
  using LinkStream = grpc::ClientReaderWriter<v1::LinkBeat, v1::SessionInfo>;
  // The owner's link opened by hand, its first beat (the token) sent, nothing read yet.
  std::unique_ptr<LinkStream> open_link(grpc::ClientContext& ctx, const std::string& token) {
    auto stream = treatment->Link(&ctx);
    v1::LinkBeat first;
    first.set_owner_token(token);
    stream->Write(first);
    return stream;
  }
  // How a link with `token` ends when the device sends it nothing (a refusal).
  grpc::Status link_refusal(const std::string& token) {
    grpc::ClientContext ctx;
    auto stream = open_link(ctx, token);
    v1::SessionInfo info;
    EXPECT_FALSE(stream->Read(&info));
    return stream->Finish();
  }
  // Presses the trigger as a clinician does when the needles do not start (a press counts
  // only once the session is ready: depth reached, link alive): released and pressed again
  // until RUNNING, for up to `limit`. Leaves it held.
  bool press_until_running(std::chrono::seconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      trigger(false);
      std::this_thread::sleep_for(50ms);  // long enough for the loop to see the release
      trigger(true);
      if (wait_for([](const v1::Status& s) { return s.state() == v1::STATE_RUNNING; }, 1s)) {
        return true;
      }
    }
    return false;
  }
  v1::Status status() {
    grpc::ClientContext ctx;
    v1::Status st;
    EXPECT_TRUE(device->GetStatus(&ctx, {}, &st).ok());
    return st;
  }
  bool wait_for(const std::function<bool(const v1::Status&)>& pred, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred(status())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  v1::StartSessionRequest good_request() {
    v1::StartSessionRequest r;
    r.set_protocol("general");
    r.set_zone("cheeks");
    r.set_depth_um(1000);
    r.set_speed_hz(100);
    r.mutable_answers()->set_consultation_done(true);
    r.set_operator_id("dr-a");
    r.set_patient_ref("p-17");
    return r;
  }
  grpc::Status start(const v1::StartSessionRequest& r, v1::StartSessionResponse& out) {
    grpc::ClientContext ctx;
    return treatment->StartSession(&ctx, r, &out);
  }
  // A cartridge in and a session armed with good_request(); fails the test if refused.
  void arm_session(const std::string& cartridge, v1::StartSessionResponse& out) {
    insert_cartridge(cartridge);
    const grpc::Status st = start(good_request(), out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  void estop(bool pressed) {
    grpc::ClientContext ctx;
    v1::SetSwitchRequest req;
    req.set_on(pressed);
    v1::SimAck ack;
    ASSERT_TRUE(sim->SetEstop(&ctx, req, &ack).ok());
  }
  void acknowledge_all() {
    grpc::ClientContext ctx;
    v1::AcknowledgeAlarmsResponse acked;
    ASSERT_TRUE(device->AcknowledgeAlarms(&ctx, {}, &acked).ok());
  }
  grpc::Status resume(const std::string& token, v1::SessionInfo& out) {
    grpc::ClientContext ctx;
    v1::ResumeSessionRequest req;
    req.set_owner_token(token);
    return treatment->ResumeSession(&ctx, req, &out);
  }
  static bool has_alarm(const v1::Status& s, const std::string& code) {
    for (const auto& a : s.alarms()) {
      if (a.code() == code) return true;
    }
    return false;
  }

  std::unique_ptr<v1::DeviceService::Stub> device;
  std::unique_ptr<v1::Simulator::Stub> sim;
  std::unique_ptr<v1::TreatmentService::Stub> treatment;
  std::unique_ptr<v1::EngineeringService::Stub> engineering;
};

}  // namespace dermad::test
