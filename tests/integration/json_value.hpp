// Tests read dermactl's JSON with dermactl's own strict reader.
#pragma once

#include "tools/dermactl/json_parse.hpp"

namespace dermad::test {

using Json = ctl::JsonValue;
using ctl::parse_json;

}  // namespace dermad::test
