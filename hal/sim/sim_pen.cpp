#include "hal/sim/sim_pen.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <numbers>
#include <thread>

namespace dermad::hal::sim {

SimPen::SimPen(SimConfig cfg)
    : cfg_(cfg),
      motor_(cfg.motor),
      screw_(cfg.screw),
      rng_(cfg.seed),
      temperature_c_(cfg.ambient_c),
      next_edge_rev_(1.0 / cfg.tach_edges_per_rev) {}

Geometry SimPen::geometry() const {
  Geometry g;
  g.tach_edges_per_rev = cfg_.tach_edges_per_rev;
  g.um_per_step = cfg_.screw.um_per_step;
  g.max_step_rate_hz = static_cast<uint32_t>(cfg_.screw.max_step_rate_hz);
  g.supply_nominal_v = cfg_.supply_nominal_v;
  const auto& m = cfg_.motor;
  g.motor_no_load_hz = cfg_.supply_nominal_v / m.k_nm_per_a / (2.0 * std::numbers::pi);
  g.motor_resistance_ohm = m.resistance_ohm;
  return g;
}

bool SimPen::insert_cartridge(const CartridgeInfo& info, std::string* problem) {
  std::string why;
  auto image = encode_cartridge_eeprom(info, why);
  if (!image) {
    if (problem) *problem = why;
    return false;
  }
  if (!info.checksum_ok) (*image)[kEepromImageSize - 1] ^= 0x5A;  // the stored CRC, damaged
  insert_eeprom(*image);
  return true;
}

void SimPen::insert_eeprom(const EepromImage& image) {
  std::lock_guard lock(cartridge_mu_);
  // A cartridge swapped for another opens the switch on the way: the loop sees one read
  // without a cartridge, so the new one is noticed (and read) as an insertion of its own.
  if (cartridge_present_.load()) swapping_.store(true);
  eeprom_ = image;
  cartridge_present_.store(true);
}

void SimPen::remove_cartridge() {
  std::lock_guard lock(cartridge_mu_);
  eeprom_.reset();
  cartridge_present_.store(false);
}

std::optional<CartridgeInfo> SimPen::read_cartridge() {
  std::lock_guard lock(cartridge_mu_);
  if (!eeprom_) return std::nullopt;
  auto d = decode_cartridge_eeprom(*eeprom_);
  if (d.info) return d.info;
  CartridgeInfo bad;
  bad.checksum_ok = false;
  bad.problem = d.problem;
  return bad;
}

void SimPen::set_fault(SimFault f, bool on) {
  const uint32_t b = 1u << static_cast<unsigned>(f);
  if (on) {
    faults_.fetch_or(b);
  } else {
    faults_.fetch_and(~b);
  }
}

double SimPen::true_speed_hz() const {
  return motor_.state().omega_rad_s / (2.0 * std::numbers::pi);
}

void SimPen::set_errors(const SimErrors& e) {
  position_scale_.store(e.position_scale);
  position_offset_um_.store(e.position_offset_um);
  protrusion_offset_um_.store(e.protrusion_offset_um);
  motor_k_drift_.store(e.motor_k_drift);
  current_offset_ma_.store(e.current_offset_ma);
  force_offset_n_.store(e.force_offset_n);
  temperature_offset_c_.store(e.temperature_offset_c);
}

SimErrors SimPen::errors() const {
  return {position_scale_.load(),      position_offset_um_.load(), protrusion_offset_um_.load(),
          motor_k_drift_.load(),       current_offset_ma_.load(),  force_offset_n_.load(),
          temperature_offset_c_.load()};
}

void SimPen::advance_to(int64_t now_ns) {
  if (t_ns_ < 0) t_ns_ = now_ns;
  motor_.set_k_scale(1.0 + motor_k_drift_.load(std::memory_order_relaxed));
  const int64_t sub_ns = static_cast<int64_t>(cfg_.substep_s * 1e9);
  const double force = force_n_.load(std::memory_order_relaxed);
  const double edge_rev = 1.0 / cfg_.tach_edges_per_rev;
  motor_.set_jammed(fault(SimFault::kMotorStall));
  screw_.set_slip(fault(SimFault::kMissedSteps) ? 0.5 : 0.0);
  screw_.set_drift(drift_um_s_.load(std::memory_order_relaxed));
  const double supply_v = fault(SimFault::kSupplySag) ? 8.4 : cfg_.supply_nominal_v;
  const bool overheating = fault(SimFault::kOvertemp);
  while (t_ns_ < now_ns) {
    const int64_t dt_ns = std::min(sub_ns, now_ns - t_ns_);
    const double dt = static_cast<double>(dt_ns) * 1e-9;
    const double rev_before = motor_.state().revolutions;
    motor_.step(dt, supply_v, out_.motor_enable, out_.motor_duty, force, out_.motor_brake);
    screw_.step(dt);
    const double rev_after = motor_.state().revolutions;
    // Edges falling inside this substep, timed by linear interpolation of the angle.
    while (next_edge_rev_ <= rev_after) {
      const double frac = (next_edge_rev_ - rev_before) / (rev_after - rev_before);
      int64_t t_edge = t_ns_ + static_cast<int64_t>(frac * static_cast<double>(dt_ns));
      t_edge += static_cast<int64_t>(cfg_.tach_jitter_ns * gauss_(rng_));
      t_edge = std::max(t_edge, last_edge_ns_ + 1);  // timestamps stay in order
      last_edge_ns_ = t_edge;
      if (edge_count_ < edges_.size()) {
        edges_[(edge_head_ + edge_count_) % edges_.size()] = t_edge;
        ++edge_count_;
      } else {
        ++edges_lost_;
      }
      next_edge_rev_ += edge_rev;
    }
    // Copper losses heat the handpiece; it cools towards ambient (tau ~ 5 min). The
    // overtemp fault is a hot spot at the sensor (a failing bearing, say) that comes and
    // goes within a second, so tests need not wait minutes for it to cool.
    const double i = motor_.state().current_a;
    temperature_c_ +=
        dt * (i * i * cfg_.motor.resistance_ohm * 0.8 - (temperature_c_ - cfg_.ambient_c) / 300.0);
    hot_spot_c_ += dt * ((overheating ? 31.0 : 0.0) - hot_spot_c_) / 0.3;
    t_ns_ += dt_ns;
  }
}

double SimPen::adc(double value, double noise, double full_scale) {
  const double v = value + noise * gauss_(rng_);
  const double lsb = full_scale / 4096.0;
  // + 0.0 turns the -0.0 that rounding a small negative value gives into 0.0.
  return std::clamp(std::round(v / lsb), 0.0, 4095.0) * lsb + 0.0;
}

IoStatus SimPen::read(int64_t now_ns, Inputs& in) {
  // A real stall of the calling thread: the loop must notice it on its own clock.
  if (fault(SimFault::kLoopStall)) std::this_thread::sleep_for(std::chrono::milliseconds(12));
  // A hung driver: no tick until the fault is cleared, or 10 s, so a stop never waits longer.
  for (int ms = 0; fault(SimFault::kLoopHang) && ms < 10'000; ++ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  advance_to(now_ns);
  in.t_ns = now_ns;

  in.tach_edges = 0;
  while (edge_count_ > 0 && edges_[edge_head_] <= now_ns) {
    if (in.tach_edges < in.tach_edge_ns.size()) {
      in.tach_edge_ns[in.tach_edges++] = edges_[edge_head_];
    } else {
      ++edges_lost_;
    }
    edge_head_ = (edge_head_ + 1) % edges_.size();
    --edge_count_;
  }
  in.tach_edges_lost = edges_lost_;
  edges_lost_ = 0;
  if (fault(SimFault::kTachLoss)) in.tach_edges = 0;

  const auto& m = motor_.state();
  double current_a = m.current_a;
  // A winding shorted to ground draws current that turns nothing.
  if (fault(SimFault::kOvercurrent) && out_.motor_enable) {
    current_a += m.supply_v * out_.motor_duty / 1.5;
  }
  in.motor_current_ma = {
      adc(current_a * 1000.0 + current_offset_ma_.load(std::memory_order_relaxed),
          cfg_.current_noise_ma, cfg_.current_full_scale_ma),
      true};
  const double stop_um = screw_.position_um();
  gauge_um_.store(stop_um + protrusion_offset_um_.load(std::memory_order_relaxed),
                  std::memory_order_relaxed);
  if (!fault(SimFault::kPositionSensorStuck)) {
    const double sensed = position_scale_.load(std::memory_order_relaxed) * stop_um +
                          position_offset_um_.load(std::memory_order_relaxed);
    stuck_position_um_ = adc(sensed, cfg_.position_noise_um, cfg_.position_full_scale_um);
  }
  in.position_um = {stuck_position_um_, true};
  IoStatus status;
  if (fault(SimFault::kAdcReadError)) {
    in.position_um = {};
    status.fail(kPositionAdc, EIO);
  }
  in.force_n = {adc(force_n_.load(std::memory_order_relaxed) +
                        force_offset_n_.load(std::memory_order_relaxed),
                    cfg_.force_noise_n, cfg_.force_full_scale_n),
                true};
  true_temperature_c_.store(temperature_c_ + hot_spot_c_, std::memory_order_relaxed);
  in.temperature_c = {
      temperature_c_ + hot_spot_c_ + temperature_offset_c_.load(std::memory_order_relaxed), true};
  in.supply_v = {adc(m.supply_v, cfg_.supply_noise_v, cfg_.supply_full_scale_v), true};

  in.home_switch = screw_.home_switch();
  in.trigger = trigger_.load(std::memory_order_relaxed);
  in.pedal = pedal_.load(std::memory_order_relaxed);
  in.estop_pressed = estop_.load(std::memory_order_relaxed);
  in.cartridge_present =
      cartridge_present_.load(std::memory_order_relaxed) && !swapping_.exchange(false);
  return status;
}

IoStatus SimPen::write(int64_t now_ns, const Outputs& out) {
  advance_to(now_ns);
  out_ = out;
  screw_.command(out.stepper_steps, out.stepper_enable);
  return {};
}

}  // namespace dermad::hal::sim
