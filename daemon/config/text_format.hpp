// Text-format protobuf files that people edit (the protocols file, the board file): syntax
// errors as "FILE:LINE:COL: message", and each field's line for the checks that follow, so
// every refusal names the line to fix.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <vector>

namespace dermad::config {

using LocationTree = google::protobuf::TextFormat::ParseInfoTree;

// Parses `text` into `msg`, recording where each field was in `tree`. False when it does not
// parse, with the parser's reasons (if it gave any) appended to `errors`.
bool parse_text_format(const std::string& text, const std::string& source,
                       google::protobuf::Message& msg, LocationTree& tree,
                       std::vector<std::string>& errors);

// The 1-based line of field `name` of `m` (the index-th of a repeated one, -1 otherwise);
// where the file does not set it, `fallback`: the line of the block that should.
int line_of(const LocationTree* tree, const google::protobuf::Message& m, const char* name,
            int index, int fallback);

}  // namespace dermad::config
