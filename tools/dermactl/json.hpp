// dermactl's JSON, written and read with nlohmann's library. Objects keep the order keys are
// set in, so `--json` output reads in the same order as the human view.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dermad::ctl {

using Json = nlohmann::ordered_json;

// One line; a string that is not UTF-8 (a name read from a file) has its bad bytes replaced
// with U+FFFD rather than stopping the output.
std::string dump(const Json& j);

// At most this deep: deeper nesting is refused, never recursed into (an answers file is
// flat).
inline constexpr int kMaxJsonDepth = 64;

// The strict reader for what people hand dermactl (answer files, the session file): the
// whole text must be exactly one JSON value (whitespace around it allowed), valid UTF-8, no
// comments; an object that names a key twice is refused, since which of two answers counts
// must never be a guess. `error`, when given, says why a text was refused.
std::optional<Json> parse_json(const std::string& text, std::string* error = nullptr);

}  // namespace dermad::ctl
