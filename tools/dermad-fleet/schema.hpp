// The fleet database's migrations and views, in the two dialects (docs/FLEET.md documents
// the views a dashboard reads).
#pragma once

#include <string>
#include <vector>

namespace dermad::fleet {

enum class Dialect { kSqlite, kPostgres };

// Entry i brings the schema from version i to i + 1. Never edit one that has shipped.
std::vector<std::string> migrations(Dialect d);

}  // namespace dermad::fleet
