#include "tools/dermactl/json.hpp"

#include <set>
#include <stdexcept>
#include <vector>

namespace dermad::ctl {

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

// Thrown from the parser's callback to stop at the first refused key or level: the parser
// then never builds, nor recurses into, what lies beyond.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

std::optional<Json> parse_json(const std::string& text, std::string* error) {
  std::vector<std::set<std::string>> keys;  // one set per object being read
  const auto check = [&keys](int depth, Json::parse_event_t event, Json& parsed) {
    using E = Json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth) {
      throw Refused("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end) keys.pop_back();
    if (event == E::key && !keys.back().insert(parsed.get<std::string>()).second) {
      throw Refused("the key \"" + parsed.get<std::string>() + "\" is given twice");
    }
    return true;
  };
  try {
    return Json::parse(text, check);
  } catch (const Refused& e) {
    if (error) *error = e.what();
  } catch (const Json::exception& e) {
    // A syntax error, or a number too big for a double (out_of_range, found by fuzzing):
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the
    // library's tag.
    const std::string what = e.what();
    const auto tag_end = what.find("] ");
    if (error) {
      *error =
          "not valid JSON: " + (tag_end == std::string::npos ? what : what.substr(tag_end + 2));
    }
  }
  return std::nullopt;
}

}  // namespace dermad::ctl
