#include "daemon/control/supervisor.hpp"

#include <array>

namespace dermad::control {

namespace {

constexpr std::size_t kStates = 8;
constexpr std::size_t idx(State s) {
  return static_cast<std::size_t>(s);
}

// kTable[from][to]: the transitions DESIGN.md allows. FAULT and ESTOP are reachable from
// everywhere; leaving them is only through acknowledge().
constexpr std::array<std::array<bool, kStates>, kStates> make_table() {
  std::array<std::array<bool, kStates>, kStates> t{};
  auto allow = [&t](State a, State b) { t[idx(a)][idx(b)] = true; };
  allow(State::kBoot, State::kHoming);
  allow(State::kHoming, State::kIdle);
  allow(State::kIdle, State::kArmed);
  allow(State::kIdle, State::kService);
  allow(State::kIdle, State::kHoming);
  allow(State::kArmed, State::kIdle);
  allow(State::kArmed, State::kRunning);
  allow(State::kRunning, State::kArmed);
  allow(State::kRunning, State::kIdle);
  allow(State::kService, State::kIdle);
  allow(State::kFault, State::kIdle);
  allow(State::kFault, State::kHoming);
  allow(State::kEstop, State::kIdle);
  allow(State::kEstop, State::kHoming);
  allow(State::kEstop, State::kFault);
  for (std::size_t s = 0; s < kStates; ++s) {
    if (s != idx(State::kFault)) t[s][idx(State::kFault)] = true;
    if (s != idx(State::kEstop)) t[s][idx(State::kEstop)] = true;
  }
  t[idx(State::kEstop)][idx(State::kFault)] = true;
  return t;
}
constexpr auto kTable = make_table();

}  // namespace

bool transition_allowed(State from, State to) {
  return kTable[idx(from)][idx(to)];
}

void Supervisor::go(State to) {
  if (to != state_ && transition_allowed(state_, to)) state_ = to;
}

void Supervisor::update(int64_t now_ns, uint32_t conditions) {
  alarms_.condition = conditions;
  for (std::size_t i = 0; i < kAlarmCount; ++i) {
    const uint32_t b = 1u << i;
    if ((conditions & b) && !(alarms_.active & b)) {
      alarms_.active |= b;
      alarms_.since_ns[i] = now_ns;
    } else if (!(conditions & b) && (alarms_.active & b) && !kAlarmTable[i].latches) {
      alarms_.active &= ~b;
    }
  }
  if (alarms_.active & bit(AlarmCode::kEstop)) {
    go(State::kEstop);
  } else if (alarms_.any_high() && state_ != State::kEstop) {
    go(State::kFault);
  }
}

bool Supervisor::request(State to) {
  if (state_ == State::kFault || state_ == State::kEstop) return false;
  if (alarms_.any_high()) return false;
  if (!transition_allowed(state_, to)) return false;
  state_ = to;
  return true;
}

uint32_t Supervisor::acknowledge(uint32_t mask, bool homed) {
  if (mask == 0) mask = ~0u;
  const uint32_t clearable = alarms_.active & mask & ~alarms_.condition;
  alarms_.active &= ~clearable;
  if ((state_ == State::kEstop || state_ == State::kFault) &&
      !(alarms_.active & bit(AlarmCode::kEstop))) {
    if (alarms_.any_high()) {
      go(State::kFault);
    } else {
      go(homed ? State::kIdle : State::kHoming);
    }
  }
  return clearable;
}

}  // namespace dermad::control
