// The records' `details`: one JSON object per event, built with nlohmann's JSON library so
// every input stays valid JSON whatever it holds (quotes, control characters, any byte).
// Keys keep the order they are set in, so a record reads as its writer wrote it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dermad::store {

using Details = nlohmann::ordered_json;

// Compact text: {"code":"ESTOP"}. Invalid UTF-8 (refused at the API's edge, but a board
// file's path or an errno text is not checked there) is replaced with U+FFFD, never thrown.
inline std::string details_text(const Details& d) {
  return d.dump(-1, ' ', false, Details::error_handler_t::replace);
}

}  // namespace dermad::store
