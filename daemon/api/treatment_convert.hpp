// proto <-> treatment domain: answers, dates, protocols, summaries.
#pragma once

#include <string>

#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/screening.hpp"
#include "daemon/treatment/session_book.hpp"
#include "dermad/v1/treatment.pb.h"

namespace dermad::api {

// Fills `out`; malformed dates are appended to `errors` ("; "-separated).
void answers_from_proto(const v1::ScreeningAnswers& in, treatment::Answers& out,
                        std::string& errors);
// "2026-11-24T14:03:00Z"; empty for the epoch (never).
std::string rfc3339(std::chrono::system_clock::time_point t);
// The clinic's calendar day (the device's local time zone).
treatment::Date today();
void fill_protocol(const treatment::Protocol& p, v1::Protocol& out);
void fill_finding(const treatment::Finding& f, v1::Finding& out);
void fill_info(const treatment::SessionRecord& r, int state, v1::SessionInfo& out);
void fill_summary(const treatment::SessionRecord& r, v1::SessionSummary& out);

}  // namespace dermad::api
