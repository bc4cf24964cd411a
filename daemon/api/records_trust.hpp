// What the API needs of the records' trust (RECORDS_UNTRUSTED): why they are not trusted, and
// an engineer's acceptance. An interface so the API layer does not depend on the daemon's
// wiring (daemon/records_witness implements it).
#pragma once

#include <optional>
#include <string>

namespace dermad::api {

class RecordsTrust {
 public:
  virtual ~RecordsTrust() = default;
  // Empty while the records are trusted; else why not.
  virtual std::string untrusted_why() const = 0;
  // Accepts the records as they are, with the engineer's reason; returns why they were not
  // trusted, or nothing (and changes nothing) when they are.
  virtual std::optional<std::string> accept(const std::string& reason) = 0;
};

}  // namespace dermad::api
