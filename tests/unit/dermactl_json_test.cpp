#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "tools/dermactl/json.hpp"
#include "tools/dermactl/json_parse.hpp"

namespace dermad::ctl {
namespace {

TEST(DermactlJsonParse, DuplicateKeysAndDeepNestingAreRefusedWithTheReason) {
  std::string why;
  EXPECT_FALSE(parse_json(R"({"a": 1, "a": 2})", &why));
  EXPECT_EQ(why, "the key \"a\" is given twice at byte 13");
  EXPECT_FALSE(parse_json(R"({"x": {"a": true, "b": [], "a": false}})", &why));
  EXPECT_NE(why.find("\"a\" is given twice"), std::string::npos) << why;
  EXPECT_TRUE(parse_json(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})"));  // other objects

  const std::string deep64 = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_json(deep64));
  const std::string deep65 = std::string(65, '[') + std::string(65, ']');
  EXPECT_FALSE(parse_json(deep65, &why));
  EXPECT_EQ(why, "nested deeper than 64 levels at byte 64");
  // Siblings do not add up: depth is how deep, not how many.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += std::string(i ? "," : "") + "[[1]]";
  EXPECT_TRUE(parse_json(wide + "]"));
  EXPECT_FALSE(parse_json(std::string(100000, '{'), &why));
  EXPECT_FALSE(parse_json("{", &why));
  EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
}

TEST(DermactlJson, EscapesStrings) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("l1\nl2\r\t\b\f"), "\"l1\\nl2\\r\\t\\b\\f\"");
  EXPECT_EQ(json_quote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_quote(std::string("nul\0", 4)), "\"nul\\u0000\"");
  EXPECT_EQ(json_quote("/"), "\"/\"");
  EXPECT_EQ(json_quote("31 °C"), "\"31 °C\"");
}

TEST(DermactlJson, Integers) {
  EXPECT_EQ(Json(0).dump(), "0");
  EXPECT_EQ(Json(-42).dump(), "-42");
  EXPECT_EQ(Json(std::numeric_limits<std::int64_t>::min()).dump(), "-9223372036854775808");
  EXPECT_EQ(Json(std::numeric_limits<std::uint64_t>::max()).dump(), "18446744073709551615");
  EXPECT_EQ(Json(std::uint32_t{7}).dump(), "7");
}

TEST(DermactlJson, DoublesStayFloatsAndRoundTrip) {
  EXPECT_EQ(Json(100.0).dump(), "100.0");
  EXPECT_EQ(Json(0.0).dump(), "0.0");
  EXPECT_EQ(Json(-2.5).dump(), "-2.5");
  EXPECT_EQ(Json(0.1).dump(), "0.1");
  EXPECT_EQ(Json(1e300).dump(), "1e+300");
  EXPECT_EQ(std::stod(Json(1.0 / 3.0).dump()), 1.0 / 3.0);
  EXPECT_EQ(Json(std::nan("")).dump(), "null");
  EXPECT_EQ(Json(std::numeric_limits<double>::infinity()).dump(), "null");
}

TEST(DermactlJson, ScalarsAndStringLiteralsAreNotBools) {
  EXPECT_EQ(Json(true).dump(), "true");
  EXPECT_EQ(Json(false).dump(), "false");
  EXPECT_EQ(Json().dump(), "null");
  EXPECT_EQ(Json("x").dump(), "\"x\"");
  EXPECT_TRUE(Json("x").is_string());
}

TEST(DermactlJson, NestedObjectsAndArraysOnOneLine) {
  Json j = Json::object();
  j.set("ok", true).set("n", 3).set("list", Json::array().push(1).push("two").push(Json::object()));
  j.set("empty", Json::array());
  j.set("inner", Json::object().set("k\n", 1.5));
  EXPECT_EQ(j.dump(),
            "{\"ok\": true, \"n\": 3, \"list\": [1, \"two\", {}], \"empty\": [], "
            "\"inner\": {\"k\\n\": 1.5}}");
  ASSERT_NE(j.find("list"), nullptr);
  EXPECT_EQ(j.find("list")->size(), 3u);
  EXPECT_EQ(j.find("missing"), nullptr);
}

}  // namespace
}  // namespace dermad::ctl
