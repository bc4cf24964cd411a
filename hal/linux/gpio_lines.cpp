#include "hal/linux/gpio_lines.hpp"

#include <fcntl.h>
#include <gpiod.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <system_error>

namespace dermad::hal::linux_hw {

namespace {

int64_t mono_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The driver's minimum times are a few microseconds: a sleep would take far longer.
void spin_ns(int64_t ns) {
  const int64_t until = mono_now_ns() + ns;
  while (mono_now_ns() < until) {
  }
}

std::string what_failed(const std::exception& e) {
  if (const auto* se = dynamic_cast<const std::system_error*>(&e)) {
    return se->code().message();
  }
  return e.what();
}

}  // namespace

// A chip that cannot be opened is named once, with every signal it would carry.
static std::string missing_chip(const BoardSpec& board, const std::string& chip,
                                const std::string& why) {
  std::string signals;
  int line = 0;
  for (std::size_t s = 0; s < kOutputCount + kInputCount; ++s) {
    const LineSpec& l = s < kOutputCount ? board.outputs[s] : board.inputs[s - kOutputCount];
    if (l.chip != chip) continue;
    if (line == 0) line = l.file_line;
    signals += (signals.empty() ? "" : ", ") +
               std::string(s < kOutputCount ? kOutputNames[s] : kInputNames[s - kOutputCount]);
  }
  return board.where(line) + ": gpiochip '" + chip + "' (" + signals + "): " + why;
}

bool GpioLines::probe(const BoardSpec& board, std::vector<std::string>& errors) {
  const std::size_t before = errors.size();
  std::set<std::string> missing;
  auto check = [&](const LineSpec& l, std::string_view signal) {
    if (missing.count(l.chip)) return;
    try {
      gpiod::chip chip;
      try {
        chip.open(l.chip, gpiod::chip::OPEN_LOOKUP);
        if (!chip) throw std::system_error(ENOENT, std::generic_category());
      } catch (const std::exception& e) {
        missing.insert(l.chip);
        errors.push_back(missing_chip(board, l.chip, what_failed(e)));
        return;
      }
      if (l.offset >= chip.num_lines()) {
        errors.push_back(board.where(l.file_line) + ": " + std::string(signal) + ": gpiochip '" +
                         l.chip + "' has " + std::to_string(chip.num_lines()) + " lines, no line " +
                         std::to_string(l.offset));
        return;
      }
      const gpiod::line line = chip.get_line(l.offset);
      if (line.is_used() && line.consumer() != "dermad") {
        errors.push_back(board.where(l.file_line) + ": " + std::string(signal) + ": line " +
                         std::to_string(l.offset) + " of '" + l.chip + "' is in use by " +
                         (line.consumer().empty() ? "the kernel" : "'" + line.consumer() + "'"));
      }
    } catch (const std::exception& e) {
      errors.push_back(board.where(l.file_line) + ": " + std::string(signal) + ": gpiochip '" +
                       l.chip + "': " + what_failed(e));
    }
  };
  for (std::size_t s = 0; s < kOutputCount; ++s) check(board.outputs[s], kOutputNames[s]);
  for (std::size_t s = 0; s < kInputCount; ++s) check(board.inputs[s], kInputNames[s]);
  return errors.size() == before;
}

bool GpioLines::configure(const BoardSpec& board, std::vector<std::string>& errors) {
  timing_ = board.stepper;
  std::map<std::string, std::size_t> chip_index;
  std::set<std::string> missing;
  auto chip_for = [&](const LineSpec& l, std::string_view) -> gpiod::chip* {
    if (auto it = chip_index.find(l.chip); it != chip_index.end()) return &chips_[it->second];
    if (missing.count(l.chip)) return nullptr;
    try {
      gpiod::chip c(l.chip, gpiod::chip::OPEN_LOOKUP);
      if (!c) throw std::system_error(ENOENT, std::generic_category());
      chips_.push_back(std::move(c));
    } catch (const std::exception& e) {
      missing.insert(l.chip);
      errors.push_back(missing_chip(board, l.chip, what_failed(e)));
      return nullptr;
    }
    chip_index[l.chip] = chips_.size() - 1;
    return &chips_.back();
  };

  // Outputs: one bulk per chip and polarity (a request's flags hold for all its lines).
  std::map<std::pair<std::string, bool>, std::size_t> bulk_index;
  std::vector<std::vector<unsigned>> offsets;
  for (std::size_t s = 0; s < kOutputCount; ++s) {
    const LineSpec& l = board.outputs[s];
    gpiod::chip* chip = chip_for(l, kOutputNames[s]);
    if (chip == nullptr) continue;
    const auto key = std::pair{l.chip, l.active_low};
    auto [it, fresh] = bulk_index.try_emplace(key, bulks_.size());
    if (fresh) {
      bulks_.emplace_back();
      offsets.emplace_back();
    }
    Bulk& b = bulks_[it->second];
    try {
      b.lines.append(chip->get_line(l.offset));
    } catch (const std::exception& e) {
      errors.push_back(board.where(l.file_line) + ": " + std::string(kOutputNames[s]) + ": line " +
                       std::to_string(l.offset) + " of '" + l.chip + "': " + what_failed(e));
      continue;
    }
    outs_[s] = {static_cast<int>(it->second), b.values.size()};
    b.values.push_back(0);
    b.signals.push_back(static_cast<OutputSignal>(s));
    offsets[it->second].push_back(l.offset);
  }
  for (auto& [key, i] : bulk_index) {
    Bulk& b = bulks_[i];
    if (b.lines.empty()) continue;
    gpiod::line_request req{"dermad", gpiod::line_request::DIRECTION_OUTPUT, {}};
    if (key.second) req.flags = gpiod::line_request::FLAG_ACTIVE_LOW;
    try {
      b.lines.request(req, b.values);  // every output inactive: the safe value
    } catch (const std::exception& e) {
      std::string which;
      for (auto s : b.signals)
        which +=
            (which.empty() ? "" : ", ") + std::string(kOutputNames[static_cast<std::size_t>(s)]);
      errors.push_back(board.where(board.out(b.signals.front()).file_line) + ": outputs " + which +
                       " on '" + key.first + "': cannot be requested: " + what_failed(e));
    }
  }

  for (std::size_t s = 0; s < kInputCount; ++s) {
    const LineSpec& l = board.inputs[s];
    gpiod::chip* chip = chip_for(l, kInputNames[s]);
    if (chip == nullptr) continue;
    const auto signal = static_cast<InputSignal>(s);
    In& in = ins_[s];
    gpiod::line_request req{"dermad", gpiod::line_request::EVENT_BOTH_EDGES, {}};
    if (signal == InputSignal::kTach) {
      req.request_type = l.edge == TachEdge::kRising    ? gpiod::line_request::EVENT_RISING_EDGE
                         : l.edge == TachEdge::kFalling ? gpiod::line_request::EVENT_FALLING_EDGE
                                                        : gpiod::line_request::EVENT_BOTH_EDGES;
    }
    if (l.active_low) req.flags = gpiod::line_request::FLAG_ACTIVE_LOW;
    try {
      in.line = chip->get_line(l.offset);
      in.line.request(req);
      in.fd = in.line.event_get_fd();
      // Read inside the tick: an empty queue must answer at once, not wait for an edge.
      const int fl = ::fcntl(in.fd, F_GETFL);
      if (fl < 0 || ::fcntl(in.fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        throw std::system_error(errno, std::generic_category());
      }
    } catch (const std::exception& e) {
      errors.push_back(board.where(l.file_line) + ": " + std::string(kInputNames[s]) + ": line " +
                       std::to_string(l.offset) + " of '" + l.chip + "': " + what_failed(e));
      in.fd = -1;
      continue;
    }
    in.debounce_ns = int64_t{l.debounce_us} * 1000;
    in.acts_at_once = signal == InputSignal::kEstop;
  }
  return errors.empty();
}

bool GpioLines::activate(int64_t now_ns, std::string& error) {
  for (std::size_t s = 0; s < kInputCount; ++s) {
    In& in = ins_[s];
    if (static_cast<InputSignal>(s) == InputSignal::kTach || in.fd < 0) continue;
    try {
      in.level = in.pending = in.line.get_value() != 0;
      in.pending_ns = now_ns;
    } catch (const std::exception& e) {
      error = std::string(kInputNames[s]) + ": cannot read its level: " + what_failed(e);
      return false;
    }
  }
  IoStatus st;
  for (auto& b : bulks_) b.dirty = true;
  flush(st);
  if (!st.ok()) {
    error =
        "the outputs cannot be set to their safe values: " + std::string(std::strerror(st.error));
    return false;
  }
  return true;
}

void GpioLines::deactivate() {
  for (auto& b : bulks_) {
    std::fill(b.values.begin(), b.values.end(), 0);
    b.dirty = true;
  }
  IoStatus ignored;
  flush(ignored);
}

void GpioLines::read(int64_t now_ns, Inputs& in, IoStatus& status) {
  gpiod_line_event events[16];
  in.tach_edges = 0;
  in.tach_edges_lost = 0;
  // One poll for all lines: most ticks see no edge on most of them, and a read that would
  // only say EAGAIN is a system call the tick need not make.
  std::array<pollfd, kInputCount> pfds{};
  for (std::size_t s = 0; s < kInputCount; ++s) pfds[s] = {ins_[s].fd, POLLIN, 0};
  if (::poll(pfds.data(), pfds.size(), 0) < 0) {
    for (auto& p : pfds) p.revents = POLLIN;  // look at each line, and let its read say why
  }
  for (std::size_t s = 0; s < kInputCount; ++s) {
    In& line = ins_[s];
    const auto signal = static_cast<InputSignal>(s);
    bool failed = line.fd < 0 || (pfds[s].revents & POLLNVAL) != 0;
    if (failed && line.fd >= 0) status.fail(input_resource(signal), EBADF);
    while (!failed && pfds[s].revents != 0) {
      const int n = ::gpiod_line_event_read_fd_multiple(line.fd, events, 16);
      if (n < 0) {
        if (errno != EAGAIN) {
          status.fail(input_resource(signal), errno);
          failed = true;
        }
        break;
      }
      for (int i = 0; i < n; ++i) {
        const int64_t t = int64_t{events[i].ts.tv_sec} * 1'000'000'000 + events[i].ts.tv_nsec;
        if (signal == InputSignal::kTach) {
          if (in.tach_edges < in.tach_edge_ns.size()) {
            in.tach_edge_ns[in.tach_edges++] = t;
          } else {
            ++in.tach_edges_lost;
          }
          continue;
        }
        const bool level = events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
        if (level != line.pending) {
          line.pending = level;
          line.pending_ns = t;
        }
      }
      if (n < 16) break;
    }
    if (failed) {
      line.level = signal == InputSignal::kEstop;  // the safe reading: pressed, or released
      line.pending = line.level;
      line.pending_ns = now_ns;
    } else if (line.pending != line.level && ((line.acts_at_once && line.pending) ||
                                              now_ns - line.pending_ns >= line.debounce_ns)) {
      line.level = line.pending;
    }
    switch (signal) {
      case InputSignal::kTach:
        break;
      case InputSignal::kTrigger:
        in.trigger = line.level;
        break;
      case InputSignal::kPedal:
        in.pedal = line.level;
        break;
      case InputSignal::kEstop:
        in.estop_pressed = line.level;
        break;
      case InputSignal::kHome:
        in.home_switch = line.level;
        break;
      case InputSignal::kCartridge:
        in.cartridge_present = line.level;
        break;
      case InputSignal::kCount:
        break;
    }
  }
}

void GpioLines::flush(IoStatus& status) {
  for (auto& b : bulks_) {
    if (!b.dirty || b.lines.empty()) continue;
    try {
      b.lines.set_values(b.values);
      b.dirty = false;
    } catch (const std::system_error& e) {
      status.fail(output_resource(b.signals.front()), e.code().value());
    } catch (const std::exception&) {
      status.fail(output_resource(b.signals.front()), EIO);
    }
  }
}

void GpioLines::step(int32_t steps, IoStatus& status) {
  if (steps == 0) return;
  const bool dir = steps > 0;
  if (dir != dir_) {
    set(OutputSignal::kDir, dir);
    flush(status);
    if (!status.ok()) return;
    dir_ = dir;
    spin_ns(timing_.dir_setup_ns);
  }
  for (int32_t i = 0, n = steps > 0 ? steps : -steps; i < n; ++i) {
    set(OutputSignal::kStep, true);
    flush(status);
    spin_ns(timing_.min_pulse_ns);
    set(OutputSignal::kStep, false);
    flush(status);
    if (!status.ok()) return;
    spin_ns(timing_.min_pulse_ns);
  }
}

}  // namespace dermad::hal::linux_hw
