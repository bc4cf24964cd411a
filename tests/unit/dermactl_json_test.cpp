#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "tools/dermactl/json.hpp"

namespace dermad::ctl {
namespace {

TEST(DermactlJsonParse, DuplicateKeysAndDeepNestingAreRefusedWithTheReason) {
  std::string why;
  EXPECT_FALSE(parse_json(R"({"a": 1, "a": 2})", &why));
  EXPECT_EQ(why, "the key \"a\" is given twice");
  EXPECT_FALSE(parse_json(R"({"x": {"a": true, "b": [], "a": false}})", &why));
  EXPECT_NE(why.find("\"a\" is given twice"), std::string::npos) << why;
  EXPECT_TRUE(parse_json(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})"));  // other objects

  const std::string deep64 = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_json(deep64));
  const std::string deep65 = std::string(65, '[') + std::string(65, ']');
  EXPECT_FALSE(parse_json(deep65, &why));
  EXPECT_EQ(why, "nested deeper than 64 levels");
  // Siblings do not add up: depth is how deep, not how many.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += std::string(i ? "," : "") + "[[1]]";
  EXPECT_TRUE(parse_json(wide + "]"));
  EXPECT_FALSE(parse_json(std::string(100000, '{'), &why));
  EXPECT_FALSE(parse_json("{", &why));
  EXPECT_NE(why.find("not valid JSON"), std::string::npos) << why;
}

TEST(DermactlJson, OneLineWithKeysInTheOrderSetAndFloatsKeptFloats) {
  Json j = Json::object();
  j["ok"] = true;
  j["n"] = 3;
  j["list"] = Json{1, "two", Json::object()};
  j["empty"] = Json::array();
  j["inner"] = Json{{"k\n", 1.5}};
  j["speed_hz"] = 100.0;
  EXPECT_EQ(dump(j),
            "{\"ok\":true,\"n\":3,\"list\":[1,\"two\",{}],\"empty\":[],"
            "\"inner\":{\"k\\n\":1.5},\"speed_hz\":100.0}");
  EXPECT_EQ(dump(Json(std::nan(""))), "null");
}

TEST(DermactlJson, ANameThatIsNotUtf8IsPrintedNotThrown) {
  EXPECT_EQ(dump(Json(std::string("bad \xff byte"))), "\"bad \xef\xbf\xbd byte\"");
  EXPECT_EQ(dump(Json(std::string("nul\0", 4))), "\"nul\\u0000\"");
}

TEST(DermactlJsonParse, WhatIsNotOneStrictJsonValueIsRefusedWithTheReason) {
  std::string why;
  for (const char* bad : {"", "{} {}", "{\"a\": 1,}", "// c\n{}", "{\"a\": tru}", "\"\xff\""}) {
    EXPECT_FALSE(parse_json(bad, &why)) << bad;
    EXPECT_EQ(why.rfind("not valid JSON: ", 0), 0u) << why;
  }
  // nlohmann throws out_of_range, not parse_error, for these (found by fuzzing).
  for (const char* huge : {"1e999", "888888888888888e888{", "[-1e400]"}) {
    EXPECT_FALSE(parse_json(huge, &why)) << huge;
    EXPECT_NE(why.find("number overflow"), std::string::npos) << why;
  }
  const auto ok = parse_json(" {\"b\": [1, 2.5, null], \"a\": \"\\u00e9\"} \n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("a").get<std::string>(), "\xc3\xa9");
  EXPECT_EQ(ok->begin().key(), "b");  // document order
}

}  // namespace
}  // namespace dermad::ctl
