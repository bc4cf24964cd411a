// Bits of JSON text for the records' `details`: strings escaped, numbers as people read them.
// Header-only so the API, the recorder and the store share it without a dependency.
#pragma once

#include <cstdio>
#include <string>

namespace dermad::store {

// JSON string contents: quotes, backslashes and control characters escaped.
inline std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out += c;
    }
  }
  return out;
}

// 100, 99.5 (not 100.000000).
inline std::string number_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

}  // namespace dermad::store
