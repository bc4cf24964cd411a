// Wall-clock time as the records and the API write it: nanoseconds since 1970, RFC 3339 in
// UTC, and the clinic's local calendar date (the screening windows count local days).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "daemon/treatment/screening.hpp"

namespace dermad::treatment {

int64_t to_wall_ns(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_wall_ns(int64_t ns);
// "2026-12-02T13:35:02Z"; empty for the epoch itself (a time never set).
std::string rfc3339(std::chrono::system_clock::time_point t);
// The local calendar date at `t`.
Date local_date(std::chrono::system_clock::time_point t);

}  // namespace dermad::treatment
