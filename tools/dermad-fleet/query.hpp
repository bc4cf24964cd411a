// dermad-fleet query: the fleet's views for operations, as a table or one JSON object a line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "tools/dermad-fleet/database.hpp"

namespace dermad::fleet {

struct QueryOptions {
  std::string what;  // devices, alarms, faults, sessions, clinics, counters, calibrations
  std::string device, clinic;
  int64_t since_wall_ns = 0;
  bool json = false;
};

// The views a query may name, for --help and for "did you mean".
const char* const* query_names();

// Prints the rows; false with `error` for an unknown name or a database error.
bool run_query(Database& db, const QueryOptions& q, std::ostream& out, std::string& error);

}  // namespace dermad::fleet
