#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

const std::string kPath = "test";

TEST(DermactlValues, CartridgeType) {
  EXPECT_EQ(parse_cartridge_type("standard", kPath), v1::CARTRIDGE_TYPE_STANDARD);
  EXPECT_EQ(parse_cartridge_type("nano", kPath), v1::CARTRIDGE_TYPE_NANO);
  EXPECT_EQ(parse_cartridge_type("gold-nano", kPath), v1::CARTRIDGE_TYPE_GOLD_NANO);
  EXPECT_THROW(parse_cartridge_type("gold", kPath), UsageError);
  EXPECT_THROW(parse_cartridge_type("Standard", kPath), UsageError);
  EXPECT_THROW(parse_cartridge_type("", kPath), UsageError);
}

TEST(DermactlValues, ExpiryDate) {
  EXPECT_EQ(parse_date("2026-01-31", kPath), "2026-01-31");
  EXPECT_EQ(parse_date("2028-02-29", kPath), "2028-02-29");
  for (const char* bad :
       {"2027-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01",
        "2026/01/01", "2026-01-01x", "+026-01-01", "2026-+1-01", "2026-01--1", "", "tomorrow"}) {
    EXPECT_THROW(parse_date(bad, kPath), UsageError) << bad;
  }
}

TEST(DermactlValues, DefaultExpiryIsAYearLater) {
  EXPECT_EQ(format_date(one_year_after(year{2025} / month{11} / day{24})), "2026-11-24");
  EXPECT_EQ(format_date(one_year_after(year{2028} / month{2} / day{29})), "2029-02-28");
  EXPECT_NO_THROW(parse_date(format_date(one_year_after(today())), kPath));
}

TEST(DermactlValues, ContactForce) {
  EXPECT_EQ(parse_force_n("0", kPath), 0.0);
  EXPECT_EQ(parse_force_n("2.5", kPath), 2.5);
  EXPECT_EQ(parse_force_n("20", kPath), 20.0);
  for (const char* bad : {"-0.1", "20.01", "abc", "", "nan", "inf", "1e3", "2.5N", " 1"}) {
    EXPECT_THROW(parse_force_n(bad, kPath), UsageError) << bad;
  }
}

TEST(DermactlValues, WatchRate) {
  EXPECT_EQ(parse_rate_hz("10", kPath), 10.0);
  EXPECT_EQ(parse_rate_hz("1000", kPath), 1000.0);
  EXPECT_EQ(parse_rate_hz("0.5", kPath), 0.5);
  for (const char* bad : {"0", "-1", "1000.5", "fast"}) {
    EXPECT_THROW(parse_rate_hz(bad, kPath), UsageError) << bad;
  }
}

TEST(DermactlValues, IntegersInRange) {
  EXPECT_EQ(parse_integer("12", "--needles", kPath, 1, 100), 12);
  EXPECT_THROW(parse_integer("0", "--needles", kPath, 1, 100), UsageError);
  EXPECT_THROW(parse_integer("101", "--needles", kPath, 1, 100), UsageError);
  EXPECT_THROW(parse_integer("12.5", "--needles", kPath, 1, 100), UsageError);
  EXPECT_THROW(parse_integer("", "--needles", kPath, 1, 100), UsageError);
  try {
    parse_integer("-1", "--count", kPath, 0, std::numeric_limits<std::int64_t>::max());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--count must be at least 0, got -1");
    EXPECT_EQ(e.command(), kPath);
  }
}

TEST(DermactlValues, OnOff) {
  EXPECT_TRUE(parse_on_off("on", kPath));
  EXPECT_FALSE(parse_on_off("off", kPath));
  EXPECT_THROW(parse_on_off("yes", kPath), UsageError);
}

}  // namespace
}  // namespace dermad::ctl

namespace dermad::ctl {
namespace {

TEST(DermactlValues, ScreeningAnswers) {
  const auto a = parse_answers(
      R"({"pregnant": true, "consultation_done": true, "isotretinoin_last_dose": "2026-02-28",
          "sun_exposure_last": null})",
      "screen");
  EXPECT_TRUE(a.pregnant());
  EXPECT_TRUE(a.consultation_done());
  EXPECT_FALSE(a.active_infection());
  EXPECT_EQ(a.isotretinoin_last_dose(), "2026-02-28");
  EXPECT_EQ(a.sun_exposure_last(), "");
  EXPECT_THROW(parse_answers(R"({"pregnant": "yes"})", "screen"), UsageError);
  EXPECT_THROW(parse_answers(R"({"smoker": true})", "screen"), UsageError);
  EXPECT_THROW(parse_answers(R"({"sun_exposure_last": "2026-02-30"})", "screen"), UsageError);
  EXPECT_THROW(parse_answers(R"([true])", "screen"), UsageError);
  EXPECT_THROW(parse_answers("{", "screen"), UsageError);
}

TEST(DermactlValues, WhenIsAUtcTimeOrAnAge) {
  const int64_t now = 1'796'220'886'000'000'000;  // 2026-12-02T14:14:46Z
  EXPECT_EQ(parse_when("2026-12-02", "--since", "logs", now), 1'796'169'600'000'000'000);
  EXPECT_EQ(parse_when("2026-12-02T14:14", "--since", "logs", now), 1'796'220'840'000'000'000);
  EXPECT_EQ(parse_when("2026-12-02T14:14:46Z", "--since", "logs", now), now);
  EXPECT_EQ(parse_when("1970-01-01", "--since", "logs", now), 0);
  EXPECT_EQ(parse_when("30s", "--since", "logs", now), now - 30'000'000'000);
  EXPECT_EQ(parse_when("2h", "--since", "logs", now), now - 7'200'000'000'000);
  EXPECT_EQ(parse_when("7d", "--since", "logs", now), now - 7 * 86'400'000'000'000);
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-02-30", "2026-12-02T25:00", "2026-12-02 14:14",
        "2026-12-02T14:14:46+01:00", "-5m", "5y", "h", "1969-12-31", "2263-01-01", "200000d"}) {
    EXPECT_THROW(parse_when(bad, "--since", "logs", now), UsageError) << bad;
  }
  try {
    parse_when("soon", "--until", "logs", now);
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--until needs a time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC), or an age such "
              "as 30s, 15m, 2h, 7d; got 'soon'");
  }
}

}  // namespace
}  // namespace dermad::ctl
