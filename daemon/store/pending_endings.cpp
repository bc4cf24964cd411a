#include "daemon/store/pending_endings.hpp"

#include "daemon/store/details.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/store/witness.hpp"

namespace dermad::store {

namespace {

// Fields are hex so that any summary bytes and any reason fit one line of the file.
std::string hex(const std::string& s) {
  if (s.empty()) return "-";
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (const unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool unhex(const std::string& h, std::string& out) {
  out.clear();
  if (h == "-") return true;
  if (h.size() % 2 != 0) return false;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < h.size(); i += 2) {
    const int hi = nibble(h[i]), lo = nibble(h[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

const char* const kTag = "dermad-ending";

}  // namespace

void PendingEndings::add(SessionRow row, Event finished) {
  std::lock_guard lock(mu_);
  waiting_.emplace_back(std::move(row), std::move(finished));
}

std::vector<std::string> PendingEndings::retry(Store& store) {
  std::lock_guard lock(mu_);
  std::vector<std::string> written;
  while (!waiting_.empty()) {
    std::string error;
    if (!store.finish_session(waiting_.front().first, waiting_.front().second, error)) break;
    written.push_back(waiting_.front().first.id);
    waiting_.erase(waiting_.begin());
  }
  return written;
}

std::optional<SessionRow> PendingEndings::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& [row, ev] : waiting_) {
    if (row.id == id) return row;
  }
  return std::nullopt;
}

std::set<std::string> PendingEndings::ids() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [row, ev] : waiting_) out.insert(row.id);
  return out;
}

bool PendingEndings::empty() const {
  std::lock_guard lock(mu_);
  return waiting_.empty();
}

bool PendingEndings::save(const std::string& path, std::string& error) const {
  std::lock_guard lock(mu_);
  if (waiting_.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) error = "cannot remove " + path + ": " + ec.message();
    return !ec;
  }
  std::string text;
  for (const auto& [row, ev] : waiting_) {
    text += std::string(kTag) + " " + hex(row.id) + " " + hex(row.state) + " " +
            std::to_string(row.ended_wall_ns) + " " + hex(row.end_reason) + " " + hex(row.summary) +
            " " + std::to_string(ev.wall_ns) + " " + hex(ev.kind) + " " + hex(ev.severity) + " " +
            hex(ev.details) + "\n";
  }
  return write_small_file(path, text, error);
}

bool PendingEndings::load(const std::string& path, int64_t now_mono_ns, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return true;
  std::ifstream f(path);
  if (!f) {
    error = "cannot read " + path;
    return false;
  }
  std::vector<std::pair<SessionRow, Event>> read;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    std::istringstream in(line);
    std::string tag, id, state, reason, summary, kind, severity, details;
    SessionRow row;
    Event ev;
    const bool ok = in >> tag >> id >> state >> row.ended_wall_ns >> reason >> summary >>
                        ev.wall_ns >> kind >> severity >> details &&
                    tag == kTag && unhex(id, row.id) && unhex(state, row.state) &&
                    unhex(reason, row.end_reason) && unhex(summary, row.summary) &&
                    unhex(kind, ev.kind) && unhex(severity, ev.severity) &&
                    unhex(details, ev.details) && !row.id.empty() &&
                    (row.state == "ended" || row.state == "aborted");
    // The chain must say that this ending reached it only at the next start.
    auto parsed = ok ? Details::parse(ev.details, nullptr, false) : Details();
    if (!ok || !parsed.is_object()) {
      error = path + " line " + std::to_string(n) + " is not a session's ending";
      return false;
    }
    ev.session_id = row.id;
    ev.mono_ns = now_mono_ns;
    parsed["recorded_late"] = true;
    ev.details = details_text(parsed);
    read.emplace_back(std::move(row), std::move(ev));
  }
  std::lock_guard lock(mu_);
  for (auto& r : read) waiting_.push_back(std::move(r));
  return true;
}

}  // namespace dermad::store
