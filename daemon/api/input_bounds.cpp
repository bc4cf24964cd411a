#include "daemon/api/input_bounds.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

namespace dermad::api {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one (overlong
// forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

std::string hex_byte(unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
}

std::optional<std::string> message_problem(const google::protobuf::Message& m,
                                           const std::string& prefix) {
  using google::protobuf::FieldDescriptor;
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string name = prefix + f->name();
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      if (n > kMaxListItems) {
        return name + ": " + std::to_string(n) + " items; at most " + std::to_string(kMaxListItems);
      }
      for (int k = 0; k < n; ++k) {
        const std::string item = name + "[" + std::to_string(k) + "]";
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string scratch;
          if (auto p = text_problem(item, r->GetRepeatedStringReference(m, f, k, &scratch))) {
            return p;
          }
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (auto p = message_problem(r->GetRepeatedMessage(m, f, k), item + ".")) return p;
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      if (auto p = text_problem(name, r->GetStringReference(m, f, &scratch))) return p;
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && r->HasField(m, f)) {
      if (auto p = message_problem(r->GetMessage(m, f), name + ".")) return p;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string quoted_prefix(std::string_view s, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  for (std::size_t shown = 0; i < s.size() && shown < max; ++shown) {
    const std::size_t n = utf8_sequence(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
      out += hex_byte(c);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  if (i < s.size()) out += "...";
  return out;
}

std::optional<std::string> text_problem(std::string_view field, std::string_view s,
                                        std::size_t max_bytes) {
  const std::string f(field);
  if (s.size() > max_bytes) {
    return f + ": " + std::to_string(s.size()) + " bytes; at most " + std::to_string(max_bytes) +
           " ('" + quoted_prefix(s) + "')";
  }
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return f + ": not valid UTF-8 at byte " + std::to_string(i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 1 && (c < 0x20 || c == 0x7F)) {
      return f + ": control character " + (c == 0 ? std::string("NUL") : hex_byte(c)) +
             " at byte " + std::to_string(i) + " ('" + quoted_prefix(s) + "')";
    }
    i += n;
  }
  return std::nullopt;
}

std::optional<std::string> request_problem(const google::protobuf::Message& m) {
  return message_problem(m, "");
}

}  // namespace dermad::api
