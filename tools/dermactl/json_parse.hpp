// A small strict JSON reader: answer files for dermactl, and what dermactl prints in tests.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dermad::ctl {

struct JsonValue {
  using Object = std::map<std::string, JsonValue>;
  using Array = std::vector<JsonValue>;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v;

  bool is_object() const { return std::holds_alternative<Object>(v); }
  bool is_array() const { return std::holds_alternative<Array>(v); }
  bool is_number() const { return std::holds_alternative<double>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_bool() const { return std::holds_alternative<bool>(v); }
  bool has(const std::string& k) const { return is_object() && object().count(k) > 0; }
  const Object& object() const { return std::get<Object>(v); }
  const Array& array() const { return std::get<Array>(v); }
  const JsonValue& operator[](const std::string& k) const { return object().at(k); }
  double number() const { return std::get<double>(v); }
  const std::string& string() const { return std::get<std::string>(v); }
  bool boolean() const { return std::get<bool>(v); }
};

// At most this deep: deeper nesting is refused, not recursed into (an answers file is flat).
inline constexpr int kMaxJsonDepth = 64;

// The whole text must be exactly one JSON value (surrounding whitespace allowed). An object
// that names a key twice is refused: which of two answers counts must never be a guess.
// `error`, when given, says why a text was refused.
std::optional<JsonValue> parse_json(const std::string& text, std::string* error = nullptr);

}  // namespace dermad::ctl
