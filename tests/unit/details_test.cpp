// The records' details are JSON for every input: what a field holds never breaks the object.
#include "daemon/store/details.hpp"

#include <gtest/gtest.h>

namespace dermad::store {
namespace {

TEST(Details, QuotesBackslashesAndControlCharactersAreEscapedAndKeyOrderKept) {
  const std::string hostile = std::string("a \"quoted\" \\ path\n\ttab ") + '\0' + " end";
  const std::string text = details_text({{"zone", hostile}, {"depth_um", 300}, {"ok", true}});
  EXPECT_EQ(text, R"({"zone":"a \"quoted\" \\ path\n\ttab \u0000 end","depth_um":300,"ok":true})");
  const auto back = Details::parse(text);
  EXPECT_EQ(back["zone"].get<std::string>(), hostile);
}

// The API refuses invalid UTF-8, but an errno text or a board's path is not checked there:
// such a byte becomes U+FFFD instead of throwing on the recorder's thread.
TEST(Details, InvalidUtf8IsReplacedNotThrown) {
  std::string text;
  EXPECT_NO_THROW(text = details_text({{"resource", std::string("chip\xff\xfe")}}));
  EXPECT_EQ(text, "{\"resource\":\"chip\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  EXPECT_TRUE(Details::accept(text));
}

TEST(Details, NumbersKeepTheirKind) {
  EXPECT_EQ(
      details_text(
          {{"count", uint64_t{18446744073709551615u}}, {"speed_hz", 99.5}, {"serial", nullptr}}),
      R"({"count":18446744073709551615,"speed_hz":99.5,"serial":null})");
}

}  // namespace
}  // namespace dermad::store
