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
  if (!active_ || active_->owner_token != token) return std::nullopt;
  active_->active = false;
  active_->ended = at;
  used_.insert(active_->cartridge.serial);
  ended_.push_back(std::move(*active_));
  active_.reset();
  return ended_.back();
}

std::optional<SessionRecord> SessionBook::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  if (id.empty()) {
    if (active_) return active_;
    if (!ended_.empty()) return ended_.back();
    return std::nullopt;
  }
  if (active_ && active_->id == id) return active_;
  for (const auto& r : ended_) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

std::set<std::string> SessionBook::used_cartridges() const {
  std::lock_guard lock(mu_);
  return used_;
}

void SessionBook::observe(const control::Snapshot& s) {
  std::lock_guard lock(mu_);
  if (active_) active_->stats.observe(s, active_->zone);
}

}  // namespace dermad::treatment
