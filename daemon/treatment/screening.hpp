// The screening checklist: contraindications that block a session and pre-treatment rules
// the clinician must acknowledge. Windows come from the protocols file, not from code.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/treatment/protocols.hpp"

namespace dermad::treatment {

using Date = std::chrono::sys_days;

struct Answers {
  bool active_infection = false;
  bool chronic_skin_disorder = false;
  bool poor_wound_healing = false;  // or keloids
  bool pregnant = false;
  bool consultation_done = false;
  // Absent: never.
  std::optional<Date> isotretinoin_last_dose;
  std::optional<Date> anticoagulant_last_dose;    // aspirin, NSAIDs, vitamin E
  std::optional<Date> retinoid_or_acid_last_use;  // retinoids, topical antibiotics, AHA/BHA
  std::optional<Date> sun_exposure_last;          // tanning bed or excessive sun
};

enum class Severity { kBlock, kAcknowledge };

struct Finding {
  std::string rule;  // e.g. "pregnancy"
  Severity severity;
  std::string reason;  // for a clinician
};

// "YYYY-MM-DD" as a calendar date; nullopt when malformed or not a real day.
std::optional<Date> parse_date(const std::string& text);

// Answers that cannot be true (a date after today), one message each.
std::vector<std::string> check_answers(const Answers& a, Date today);

// Every rule that applies, blocks first. Dates count whole days: a last use `n` days
// before today is within a window of `w` days when n < w (48 hours = 2 days).
std::vector<Finding> screen(const Answers& a, const ScreeningWindows& w, Date today);

}  // namespace dermad::treatment
