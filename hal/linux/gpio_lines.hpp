// The pen's GPIO lines through libgpiod v1 (Debian's libgpiod-dev, gpiod.hpp): outputs
// requested in one bulk per chip and polarity and written with one ioctl per bulk; inputs
// requested with edge events, read without blocking with the kernel's timestamps.
//
// Configure and activate allocate and may throw inside libgpiod (caught, named); the tick's
// calls do neither: they write preallocated bulks and read event file descriptors.
#pragma once

#include <gpiod.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hal/board/board.hpp"
#include "hal/hal.hpp"

namespace dermad::hal::linux_hw {

class GpioLines {
 public:
  // Resource indices for IoStatus: outputs first (OutputSignal order), then inputs.
  static constexpr uint16_t output_resource(OutputSignal s) { return static_cast<uint16_t>(s); }
  static constexpr uint16_t input_resource(InputSignal s) {
    return static_cast<uint16_t>(kOutputCount + static_cast<std::size_t>(s));
  }

  // Every chip and line exists and no other program holds it, without requesting anything
  // (dermad --check beside a running dermad must not take its lines).
  static bool probe(const BoardSpec& board, std::vector<std::string>& errors);
  // Requests every line (outputs at their inactive value). Each failure named in `errors`.
  bool configure(const BoardSpec& board, std::vector<std::string>& errors);
  // Reads each input's level, so the first tick starts from what the switches say.
  bool activate(int64_t now_ns, std::string& error);
  // Every output inactive; best effort (the chip may be gone).
  void deactivate();

  // Inputs since the last call: tachometer edges, debounced levels. Unreadable lines read
  // as their safe value (Inputs).
  void read(int64_t now_ns, Inputs& in, IoStatus& status);
  // Stages an output's logical value; flush() writes the bulks that changed.
  void set(OutputSignal s, bool active) {
    auto& o = outs_[static_cast<std::size_t>(s)];
    if (o.bulk >= 0 && bulks_[static_cast<std::size_t>(o.bulk)].values[o.index] != active) {
      bulks_[static_cast<std::size_t>(o.bulk)].values[o.index] = active;
      bulks_[static_cast<std::size_t>(o.bulk)].dirty = true;
    }
  }
  void flush(IoStatus& status);
  // |steps| STEP pulses in the direction of their sign, DIR settled first, with the driver's
  // minimum times, inside this call (busy-waiting the few microseconds each needs).
  void step(int32_t steps, IoStatus& status);

 private:
  struct Bulk {
    gpiod::line_bulk lines;
    std::vector<int> values;
    std::vector<OutputSignal> signals;
    bool dirty = false;
  };
  struct Out {
    int bulk = -1;
    std::size_t index = 0;
  };
  struct In {
    gpiod::line line;
    int fd = -1;
    bool level = false;      // the debounced logical level the loop sees
    bool pending = false;    // the newest raw level
    int64_t pending_ns = 0;  // since when
    int64_t debounce_ns = 0;
    bool acts_at_once = false;  // a level that must not wait (the e-stop's press)
  };

  std::vector<gpiod::chip> chips_;
  std::vector<Bulk> bulks_;
  std::array<Out, kOutputCount> outs_{};
  std::array<In, kInputCount> ins_{};
  StepperTiming timing_;
  bool dir_ = false;
};

}  // namespace dermad::hal::linux_hw
