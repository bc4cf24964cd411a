// Tests read dermactl's JSON with dermactl's own strict reader (nlohmann's, with duplicate
// keys and deep nesting refused). Read fields with .at(): a missing one throws and fails the
// test, where operator[] on a const value would be undefined.
#pragma once

#include "tools/dermactl/json.hpp"

namespace dermad::test {

using ctl::dump;
using ctl::Json;
using ctl::parse_json;

}  // namespace dermad::test
