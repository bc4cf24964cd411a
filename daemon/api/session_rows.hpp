// Sessions between the API and the store: a session's row with its summary serialized, and
// a stored row back as the summary a client reads.
#pragma once

#include <string>

#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"
#include "daemon/treatment/session_book.hpp"
#include "dermad/v1/treatment.pb.h"

namespace dermad::api {

int64_t to_wall_ns(std::chrono::system_clock::time_point t);
// state: "active", "ended" or "aborted"; the summary is the record's as of now.
store::SessionRow session_row(const treatment::SessionRecord& r, const std::string& state);
// The stored summary, with what only the row knows (state, end, reason) laid over it.
v1::SessionSummary summary_of(const store::SessionRow& row);
using store::Details;
using store::details_text;

}  // namespace dermad::api
