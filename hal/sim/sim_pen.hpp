// The simulated pen: a Hal backend whose physics make control meaningful. Advanced by the
// times the loop passes to read(), so it runs on virtual time in tests and deterministically
// for a given seed. The set_* knobs may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <random>

#include "hal/cartridge.hpp"
#include "hal/cartridge_eeprom.hpp"
#include "hal/hal.hpp"
#include "hal/sim/lead_screw.hpp"
#include "hal/sim/motor_model.hpp"
#include "hal/sim/sim_faults.hpp"

namespace dermad::hal::sim {

struct SimConfig {
  uint64_t seed = 1;
  MotorParams motor;
  LeadScrewParams screw;
  uint32_t tach_edges_per_rev = 2;
  double supply_nominal_v = 12.0;
  double substep_s = 20e-6;
  // Sensor noise (1 sigma) and ADC full scale for 12-bit quantization.
  double current_noise_ma = 4.0, current_full_scale_ma = 5000.0;
  double position_noise_um = 1.0, position_full_scale_um = 2600.0;
  double force_noise_n = 0.02, force_full_scale_n = 20.0;
  double supply_noise_v = 0.01, supply_full_scale_v = 16.0;
  double ambient_c = 24.0;
  // Jitter of the tachometer edges' kernel timestamps (interrupt latency), 1 sigma.
  double tach_jitter_ns = 3000.0;
};

// The errors a real pen has that calibration takes out (#14). The position sensor reads
// scale * true + offset; the needles stand out of the stop by protrusion_offset_um more than
// the stop's position says (cartridge and needle tolerances); the motor's constant is
// (1 + motor_k_drift) times nominal (an aged or replaced motor). The current, force and
// temperature sensors read their offsets above the truth (an amplifier's zero, a load cell's
// preload, a thermistor's tolerance).
struct SimErrors {
  double position_scale = 1.0;
  double position_offset_um = 0.0;
  double protrusion_offset_um = 0.0;
  double motor_k_drift = 0.0;
  double current_offset_ma = 0.0;
  double force_offset_n = 0.0;
  double temperature_offset_c = 0.0;
};

class SimPen final : public Hal {
 public:
  explicit SimPen(SimConfig cfg = {});

  std::string name() const override { return "sim"; }
  Geometry geometry() const override;
  bool configure(std::vector<std::string>&) override { return true; }
  bool activate(std::string&) override { return true; }
  void deactivate() override {}
  IoStatus read(int64_t now_ns, Inputs& in) override;
  IoStatus write(int64_t now_ns, const Outputs& out) override;
  const std::vector<std::string>& resources() const override { return resources_; }
  // The index in resources() of the position ADC, which the adc-read-error fault fails.
  static constexpr uint16_t kPositionAdc = 0;
  // Decodes the inserted cartridge's EEPROM image as the Linux backend does.
  std::optional<CartridgeInfo> read_cartridge() override;

  // Scripted events, callable from any thread.
  void set_trigger(bool held) { trigger_.store(held); }
  void set_pedal(bool held) { pedal_.store(held); }
  void set_estop(bool pressed) { estop_.store(pressed); }
  void set_contact_force(double newtons) { force_n_.store(newtons); }
  // Programs a simulated EEPROM with `info` (its checksum broken when info.checksum_ok is
  // false) and closes the cartridge switch. False, with the field in `problem`, when the
  // layout cannot hold `info` (a real EEPROM could not either).
  bool insert_cartridge(const CartridgeInfo& info, std::string* problem = nullptr);
  void insert_eeprom(const EepromImage& image);
  void remove_cartridge();
  void set_fault(SimFault f, bool on);
  bool fault(SimFault f) const { return (faults_.load() >> static_cast<unsigned>(f)) & 1u; }
  // Test knob: the needle stop creeps by itself at this rate (um/s).
  void set_screw_drift(double um_per_s) { drift_um_s_.store(um_per_s); }
  // Calibration errors, from the next tick on; any thread.
  void set_errors(const SimErrors& e);
  SimErrors errors() const;
  // The engineer's dial gauge: how far the needles truly stand out (um), as of the last tick.
  // Any thread.
  double gauge_um() const { return gauge_um_.load(std::memory_order_relaxed); }
  // The reference thermometer at the handpiece: its true temperature (C), as of the last tick.
  double true_temperature_c() const { return true_temperature_c_.load(std::memory_order_relaxed); }

  // Ground truth for tests: what really happened, not what sensors say.
  double true_speed_hz() const;
  double true_position_um() const { return screw_.position_um(); }
  double true_revolutions() const { return motor_.state().revolutions; }
  int64_t lost_steps() const { return screw_.lost_steps(); }
  Outputs last_outputs() const { return out_; }

 private:
  void advance_to(int64_t now_ns);
  double adc(double value, double noise, double full_scale);

  SimConfig cfg_;
  std::vector<std::string> resources_{"POSITION (sim adc channel 1)"};
  MotorModel motor_;
  LeadScrew screw_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> gauss_{0.0, 1.0};
  Outputs out_;
  int64_t t_ns_ = -1;
  double temperature_c_;
  double hot_spot_c_ = 0.0;
  double next_edge_rev_;  // revolution count at which the next tach edge falls
  int64_t last_edge_ns_ = 0;

  // Tach edges generated but not yet read: a small ring, oldest first.
  std::array<int64_t, 256> edges_{};
  std::size_t edge_head_ = 0, edge_count_ = 0;
  uint32_t edges_lost_ = 0;

  std::atomic<bool> trigger_{false}, pedal_{false}, estop_{false};
  std::atomic<bool> cartridge_present_{false};
  std::atomic<bool> swapping_{false};
  std::atomic<double> force_n_{0.0};
  std::atomic<uint32_t> faults_{0};
  std::atomic<double> drift_um_s_{0.0};
  double stuck_position_um_ = 0.0;
  // The knobs, lock-free for the loop; a tick may see a set half changed, the next sees it
  // whole.
  std::atomic<double> position_scale_{1.0}, position_offset_um_{0.0};
  std::atomic<double> protrusion_offset_um_{0.0}, motor_k_drift_{0.0};
  std::atomic<double> gauge_um_{0.0};
  std::atomic<double> current_offset_ma_{0.0}, force_offset_n_{0.0}, temperature_offset_c_{0.0};
  std::atomic<double> true_temperature_c_{0.0};
  mutable std::mutex cartridge_mu_;
  std::optional<EepromImage> eeprom_;
};

}  // namespace dermad::hal::sim
