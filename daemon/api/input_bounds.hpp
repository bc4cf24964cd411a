// Every input from outside is bounded (DESIGN.md "Safety"): strings by length, without NUL
// or control characters, valid UTF-8; lists by length. Checked on every request message by
// reflection, so a new field is bounded the day it is added. A refusal names the field and
// quotes at most a short, printable prefix of what was sent.
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

namespace dermad::api {

inline constexpr std::size_t kMaxStringBytes = 256;         // ids, names, lots, references, dates
inline constexpr int kMaxListItems = 64;                    // repeated fields
inline constexpr std::size_t kMaxMessageBytes = 64 * 1024;  // the server's receive limit

// At most `max` characters of `s`, printable (others as \xNN), "..." if cut.
std::string quoted_prefix(std::string_view s, std::size_t max = 32);

// Why `s` may not stand in a text field (too long, NUL or control, invalid UTF-8), naming
// `field`; nothing when it may.
std::optional<std::string> text_problem(std::string_view field, std::string_view s,
                                        std::size_t max_bytes = kMaxStringBytes);

// The first problem in any string or list of `m`, its nested messages included, as
// "field.path: why"; nothing when every input is within bounds.
std::optional<std::string> request_problem(const google::protobuf::Message& m);

}  // namespace dermad::api
