// A small JSON value for dermactl's machine-readable output. Objects keep insertion order so
// the output reads in the same order as the human view.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dermad::ctl {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : v_(b) {}
  // One template for every integer type, so int32/uint32 proto fields do not hit ambiguous
  // overloads, and so bool (also integral) keeps its own constructor.
  template <std::integral T>
  requires(!std::same_as<T, bool>) Json(T n) {
    if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<std::int64_t>(n);
    } else {
      v_ = static_cast<std::uint64_t>(n);
    }
  }
  Json(double d) : v_(d) {}
  // Without these a string literal would convert to bool.
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string_view s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}

  static Json object() { return Json(Object{}); }
  static Json array() { return Json(Array{}); }

  // Appends a key to an object (a null value becomes an object first).
  Json& set(std::string key, Json value);
  // Appends an element to an array (a null value becomes an array first).
  Json& push(Json value);

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_integer() const {
    return std::holds_alternative<std::int64_t>(v_) || std::holds_alternative<std::uint64_t>(v_);
  }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  // Elements of an array (empty for anything else).
  std::size_t size() const;
  const Json& operator[](std::size_t i) const { return std::get<Array>(v_).at(i); }
  // The value stored under key in an object, nullptr when absent or not an object.
  const Json* find(std::string_view key) const;

  // Single-line serialization, spaced like Python's json.dumps: {"a": 1, "b": [2, 3]}.
  std::string dump() const;

 private:
  void dump_to(std::string& out) const;

  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array,
               Object>
      v_;
};

// JSON string literal for s, quotes included.
std::string json_quote(std::string_view s);
// JSON number for d: shortest round-trip form, always with a fraction or exponent so readers
// keep it a float; NaN and infinities (not representable in JSON) become null.
std::string json_number(double d);

}  // namespace dermad::ctl
