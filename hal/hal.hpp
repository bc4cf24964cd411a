// The hardware interface the control loop uses once a tick: read inputs, write outputs.
// Every field maps onto one Linux resource (libgpiod line or edge events, sysfs PWM,
// IIO ADC channel) so the linux backend and the simulated pen are interchangeable.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hal/cartridge.hpp"

namespace dermad::hal {

// At 150 strokes/s and up to 8 edges per revolution a 1 ms tick sees ~1.2 edges;
// 32 leaves room for a late tick of ~25 ms before edges are dropped (and counted).
inline constexpr std::size_t kMaxTachEdgesPerRead = 32;

// One analog channel in engineering units; `ok` is false when the channel could not be
// read, and then `value` must not be used.
struct Analog {
  double value = 0.0;
  bool ok = false;
};

struct Inputs {
  int64_t t_ns = 0;  // steady-clock time of this read

  // Hall tachometer: rising-edge timestamps since the previous read (kernel timestamps on
  // the linux backend), oldest first. Edges beyond the buffer are counted, not stored.
  std::array<int64_t, kMaxTachEdgesPerRead> tach_edge_ns{};
  uint32_t tach_edges = 0;
  uint32_t tach_edges_lost = 0;

  Analog motor_current_ma;  // IIO ADC, shunt amplifier
  Analog position_um;       // IIO ADC, linear position sensor on the needle stop
  Analog force_n;           // IIO ADC, skin-contact force
  Analog temperature_c;     // IIO ADC, handpiece temperature
  Analog supply_v;          // IIO ADC, battery / supply

  // GPIO inputs, already in their logical sense. Unreadable lines read as their safe
  // value: e-stop pressed, trigger and pedal released, cartridge absent.
  bool home_switch = false;
  bool trigger = false;
  bool pedal = false;
  bool estop_pressed = true;
  bool cartridge_present = false;
};

enum class Led : uint8_t { kOff, kGreen, kBlue, kAmber, kRed };

struct Outputs {
  double motor_duty = 0.0;  // sysfs PWM duty cycle, 0..1
  bool motor_enable = false;
  // With the drive disabled: short the winding (both low-side switches on) so the needles
  // stop in about a mechanical time constant instead of coasting for seconds.
  bool motor_brake = false;

  // Stepper steps to issue before the next tick; the sign gives DIR. The backend issues
  // them at an even rate over the tick and reports what it really issued in the next read
  // only through the position sensor: missed steps are physics, not bookkeeping.
  int32_t stepper_steps = 0;
  bool stepper_enable = false;

  Led led = Led::kOff;
  bool buzzer = false;
  bool watchdog = false;  // toggled only by a healthy loop
};

// Static facts of the hardware the controllers need.
struct Geometry {
  uint32_t tach_edges_per_rev = 2;
  double um_per_step = 2.5;  // lead screw travel per stepper step
  uint32_t max_step_rate_hz = 4000;
  double supply_nominal_v = 12.0;
  double motor_no_load_hz = 200.0;  // no-load speed at nominal supply, strokes/s
  double motor_resistance_ohm = 3.4;
};

// What became of one read or write. A failed one names the first resource that failed (an
// index into Hal::resources()) and its errno; the loop raises HARDWARE_FAULT with that name and
// drives the outputs safe. An input that could not be read holds its safe value (Inputs).
struct IoStatus {
  uint16_t failed = 0;    // resources that failed in this call
  uint16_t resource = 0;  // the first of them
  int error = 0;          // its errno

  bool ok() const { return failed == 0; }
  void fail(uint16_t r, int err) {
    if (failed++ == 0) {
      resource = r;
      error = err;
    }
  }
};

// The control loop's view of a device. One owner; read and write are called from the
// control thread only and must neither block nor allocate.
//
// The lifecycle follows ros2_control's hardware components: configure opens and checks every
// resource (each failure named), activate sets the outputs to their safe values and then
// enables them, deactivate leaves them safe. read and write are valid between activate and
// deactivate.
class Hal {
 public:
  Hal() = default;
  Hal(const Hal&) = delete;
  Hal& operator=(const Hal&) = delete;
  virtual ~Hal() = default;

  virtual std::string name() const = 0;
  virtual Geometry geometry() const = 0;
  // Every resource is opened and checked; false with each problem in `errors` otherwise.
  virtual bool configure(std::vector<std::string>& errors) = 0;
  virtual bool activate(std::string& error) = 0;
  virtual void deactivate() = 0;
  virtual IoStatus read(int64_t now_ns, Inputs& in) = 0;
  virtual IoStatus write(int64_t now_ns, const Outputs& out) = 0;
  // The resources an IoStatus points into ("ESTOP (gpio dermad:13)"); fixed once configured.
  virtual const std::vector<std::string>& resources() const = 0;

  // The inserted cartridge's EEPROM, parsed; nullopt when absent or unreadable. May block on
  // I2C for milliseconds: for the I/O side only, never the control thread.
  virtual std::optional<CartridgeInfo> read_cartridge() = 0;
};

}  // namespace dermad::hal
