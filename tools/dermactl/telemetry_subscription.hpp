// A client's side of DeviceService.StreamTelemetry: asks for a rate and a window, and
// acknowledges what it reads, as the device needs to keep what it sends fresh (every
// window/4 samples, well inside the window/2 the API asks for). For dermactl, the tests and
// the benchmarks alike.
#pragma once

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "dermad/v1/device.grpc.pb.h"

namespace dermad::ctl {

class TelemetrySubscription {
 public:
  TelemetrySubscription(v1::DeviceService::Stub& stub, grpc::ClientContext& ctx, double rate_hz,
                        uint32_t window = 0)
      : stream_(stub.StreamTelemetry(&ctx)),
        ack_every_(std::max<uint32_t>(1, (window == 0 ? 64 : window) / 4)) {
    v1::StreamTelemetryRequest first;
    first.set_rate_hz(rate_hz);
    first.set_window(window);
    stream_->Write(first);
  }

  // The next sample, acknowledged; false once the stream has ended.
  bool read(v1::TelemetrySample& s) {
    if (!stream_->Read(&s)) return false;
    if (s.seq() - acked_ >= ack_every_) {
      v1::StreamTelemetryRequest ack;
      ack.set_ack_seq(s.seq());
      stream_->Write(ack);
      acked_ = s.seq();
    }
    return true;
  }
  // The next sample without acknowledging it: a reader that falls behind, for tests.
  bool read_without_ack(v1::TelemetrySample& s) { return stream_->Read(&s); }

  // Reads what is left (after a cancel) and returns the stream's status.
  grpc::Status finish() {
    v1::TelemetrySample s;
    while (stream_->Read(&s)) {
    }
    return stream_->Finish();
  }

 private:
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamTelemetryRequest, v1::TelemetrySample>>
      stream_;
  const uint32_t ack_every_;
  uint64_t acked_ = 0;
};

}  // namespace dermad::ctl
