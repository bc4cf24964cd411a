// The board file: text-format protobuf (proto/dermad/v1/board.proto) into hal::BoardSpec,
// checked before anything opens. Lives above the HAL, which stays free of protobuf.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hal/board/board.hpp"

namespace dermad::config {

struct BoardLoad {
  std::optional<hal::BoardSpec> board;
  std::vector<std::string> errors;  // "FILE:LINE: FIELD: what is wrong", every one
};

// Parses and checks a board file's text (named `source` in errors): every signal mapped once,
// no line used twice, numbers in range, names that are names and paths that are paths.
// Whether the resources exist is for the backend's configure.
BoardLoad parse_board(const std::string& text, const std::string& source);
BoardLoad load_board(const std::string& path);

}  // namespace dermad::config
