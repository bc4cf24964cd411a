#include "daemon/treatment/session_book.hpp"

namespace dermad::treatment {

bool SessionBook::begin(SessionRecord r) {
  std::lock_guard lock(mu_);
  if (active_) return false;
  active_ = std::move(r);
  return true;
}

std::optional<SessionRecord> SessionBook::current() const {
  std::lock_guard lock(mu_);
  return active_;
}

bool SessionBook::is_owner(const std::string& token) const {
  std::lock_guard lock(mu_);
  return active_ && !token.empty() && active_->owner_token == token;
}

void SessionBook::update(const std::string& zone, int32_t depth_um, double speed_hz,
                         const std::vector<Material>& more) {
  std::lock_guard lock(mu_);
  if (!active_) return;
  active_->zone = zone;
  active_->depth_um = depth_um;
  active_->speed_hz = speed_hz;
  active_->materials.insert(active_->materials.end(), more.begin(), more.end());
}

std::optional<SessionRecord> SessionBook::end(const std::string& token,
                                              std::chrono::system_clock::time_point at) {
  std::lock_guard lock(mu_);
  if (!active_ || (!token.empty() && active_->owner_token != token)) return std::nullopt;
  SessionRecord r = std::move(*active_);
  active_.reset();
  r.active = false;
  r.ended = at;
  return r;
}

void SessionBook::observe(const control::Snapshot& s) {
  std::lock_guard lock(mu_);
  if (active_) active_->stats.observe(s, active_->zone);
}

}  // namespace dermad::treatment
