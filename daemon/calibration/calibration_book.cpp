#include "daemon/calibration/calibration_book.hpp"

#include <ctime>

namespace dermad::calibration {

namespace {

std::string utc_date(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%SZ", &tm);
  return b;
}

}  // namespace

void CalibrationBook::set_in_force(const std::string& kind, InForce f) {
  std::lock_guard lock(mu_);
  in_force_[kind] = std::move(f);
}

std::optional<InForce> CalibrationBook::in_force(const std::string& kind) const {
  std::lock_guard lock(mu_);
  const auto it = in_force_.find(kind);
  if (it == in_force_.end()) return std::nullopt;
  return it->second;
}

std::vector<InForce> CalibrationBook::all_in_force() const {
  std::lock_guard lock(mu_);
  std::vector<InForce> out;
  for (const auto& [kind, f] : in_force_) out.push_back(f);
  return out;
}

std::string CalibrationBook::due_refusal(int64_t wall_ns) const {
  std::lock_guard lock(mu_);
  std::string why, hint;
  for (const auto& kind : kRequiredKinds) {
    std::string one;
    const auto it = in_force_.find(kind);
    if (it == in_force_.end()) {
      one = "the pen has no " + kind + " calibration";
    } else if (!it->second.unusable.empty()) {
      one = "the " + kind + " calibration committed by " + it->second.record.by +
            " cannot be used (" + it->second.unusable + ")";
    } else if (wall_ns >= it->second.record.due_wall_ns) {
      one = "the " + kind + " calibration was due at " + utc_date(it->second.record.due_wall_ns);
    }
    if (one.empty()) continue;
    why += (why.empty() ? "" : "; ") + one;
    hint += (hint.empty() ? "dermactl calibrate " : ", ") + kind;
  }
  if (why.empty()) return "";
  return "CALIBRATION_DUE: " + why + ": an engineer calibrates the pen (" + hint +
         ") before it treats";
}

void CalibrationBook::stage(Staged s) {
  std::lock_guard lock(mu_);
  staged_[s.kind] = std::move(s);
}

std::optional<Staged> CalibrationBook::staged(const std::string& kind) const {
  std::lock_guard lock(mu_);
  const auto it = staged_.find(kind);
  if (it == staged_.end()) return std::nullopt;
  return it->second;
}

bool CalibrationBook::discard(const std::string& kind) {
  std::lock_guard lock(mu_);
  return staged_.erase(kind) > 0;
}

bool CalibrationBook::begin_run() {
  std::lock_guard lock(mu_);
  if (running_) return false;
  running_ = true;
  return true;
}

void CalibrationBook::end_run() {
  std::lock_guard lock(mu_);
  running_ = false;
}

}  // namespace dermad::calibration
