// A small strict JSON reader for tests that check what dermactl prints.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace dermad::test {

struct Json {
  using Object = std::map<std::string, Json>;
  using Array = std::vector<Json>;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v;

  bool is_object() const { return std::holds_alternative<Object>(v); }
  bool is_array() const { return std::holds_alternative<Array>(v); }
  bool is_number() const { return std::holds_alternative<double>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_bool() const { return std::holds_alternative<bool>(v); }
  bool has(const std::string& k) const { return is_object() && object().count(k) > 0; }
  const Object& object() const { return std::get<Object>(v); }
  const Array& array() const { return std::get<Array>(v); }
  const Json& operator[](const std::string& k) const { return object().at(k); }
  double number() const { return std::get<double>(v); }
  const std::string& string() const { return std::get<std::string>(v); }
  bool boolean() const { return std::get<bool>(v); }
};

// The whole text must be exactly one JSON value (surrounding whitespace allowed).
std::optional<Json> parse_json(const std::string& text);

}  // namespace dermad::test
