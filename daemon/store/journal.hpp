// What sessions and the API need of the event recorder: session boundaries in the log,
// records of their own, and whether anything can be written at all. An interface so neither
// depends on the daemon's wiring, and tests can give their own.
#pragma once

#include <cstdint>
#include <string>

namespace dermad::store {

class Journal {
 public:
  virtual ~Journal() = default;
  // The loop's events from `since_mono_ns` on (its arming) belong to this session; what
  // the loop has left is written at once, so the log keeps the order things happened in.
  virtual void session_begins(const std::string& id, int64_t since_mono_ns) = 0;
  // What the loop has left is written at once, still the session's (its disarm), and the
  // events after it are nobody's.
  virtual void session_ends() = 0;
  virtual void record(const std::string& kind, const std::string& severity,
                      const std::string& details, const std::string& session_id) = 0;
  // Empty while the records can be written; else why they cannot.
  virtual std::string unwritable() const = 0;
};

}  // namespace dermad::store
