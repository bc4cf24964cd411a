// proto <-> treatment domain: answers, protocols, findings, session info and summaries.
#pragma once

#include <string>

#include "daemon/store/store.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/screening.hpp"
#include "daemon/treatment/session_book.hpp"
#include "daemon/treatment/session_summary.hpp"
#include "dermad/v1/treatment.pb.h"

namespace dermad::api {

// Fills `out`; malformed dates are appended to `errors` ("; "-separated).
void answers_from_proto(const v1::ScreeningAnswers& in, treatment::Answers& out,
                        std::string& errors);
void fill_protocol(const treatment::Protocol& p, v1::Protocol& out);
void fill_finding(const treatment::Finding& f, v1::Finding& out);
void fill_info(const treatment::SessionRecord& r, v1::State state, v1::SessionInfo& out);
// The live summary of a session the daemon holds.
void fill_summary(const treatment::SessionRecord& r, v1::SessionSummary& out);
// A stored row as the summary a client reads: its figures from the records' summary, with
// what only the row knows (state, start, end, reason).
v1::SessionSummary summary_of(const store::SessionRow& row);

}  // namespace dermad::api
