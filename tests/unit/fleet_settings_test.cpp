// The fleet file's retention: how long acknowledged records stay on the pen.
#include <gtest/gtest.h>

#include "daemon/fleet/fleet_settings.hpp"

namespace dermad::fleet {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(FleetRetention, ANumberAndAUnitIsAPeriod) {
  EXPECT_EQ(parse_retention("45s"), 45 * kS);
  EXPECT_EQ(parse_retention("30m"), 30 * 60 * kS);
  EXPECT_EQ(parse_retention("12h"), 12 * 3600 * kS);
  EXPECT_EQ(parse_retention("365d"), int64_t{365} * 86400 * kS);
  EXPECT_EQ(parse_retention("36600d"), int64_t{36600} * 86400 * kS);  // 100 years, the most
}

TEST(FleetRetention, AnythingElseIsRefusedNotGuessed) {
  for (const char* bad : {"", "d", "365", "0d", "1y", "1.5d", "-1d", "+1d", " 1d", "1d ", "1D",
                          "36601d", "99999999999d", "3162240001s"}) {
    EXPECT_FALSE(parse_retention(bad).has_value()) << bad;
  }
}

TEST(FleetRetention, TheDefaultIsAYear) {
  const FleetSettings s;
  EXPECT_EQ(s.retention, "365d");
  EXPECT_EQ(parse_retention(s.retention), s.retention_ns);
}

}  // namespace
}  // namespace dermad::fleet
