// The screening answers file crosses a trust boundary: dermactl reads whatever it is given
// (#10 finding 11: ~40 000 levels of nesting crashed it; a duplicate key armed a session).
// Beyond crashes: a text the reader accepts has no key twice and is never deeper than its
// bound, and the answers it yields are those of the one value it read.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/json.hpp"
#include "tools/dermactl/values.hpp"

namespace {

using namespace dermad;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

int depth(const ctl::Json& v) {
  if (!v.is_structured()) return 0;
  int d = 0;
  for (const auto& e : v) d = std::max(d, depth(e));
  return d + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto v = ctl::parse_json(text, &why);
  require(v.has_value() == why.empty());
  if (v) require(depth(*v) <= ctl::kMaxJsonDepth);
  try {
    const auto answers = ctl::parse_answers(text, "fuzz.json");
    require(v.has_value() && v->is_object());  // nothing accepted that the reader refused
  } catch (const ctl::UsageError&) {
    // Refused with a reason: what a bad answers file must get.
  }
  return 0;
}
