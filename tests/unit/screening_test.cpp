#include "daemon/treatment/screening.hpp"

#include <gtest/gtest.h>

namespace dermad::treatment {
namespace {

using namespace std::chrono;

const Date kToday = sys_days{year{2026} / November / 24};

Answers clear() {
  Answers a;
  a.consultation_done = true;
  return a;
}

std::vector<std::string> rules(const std::vector<Finding>& f) {
  std::vector<std::string> r;
  for (const auto& x : f) r.push_back(x.rule);
  return r;
}

const Finding* find(const std::vector<Finding>& f, const std::string& rule) {
  for (const auto& x : f) {
    if (x.rule == rule) return &x;
  }
  return nullptr;
}

TEST(Screening, AClearPatientHasNoFinding) {
  EXPECT_TRUE(screen(clear(), {}, kToday).empty());
}

TEST(Screening, ContraindicationsBlock) {
  struct Case {
    bool Answers::*field;
    const char* rule;
  };
  for (const auto& c : {Case{&Answers::active_infection, "active-infection"},
                        Case{&Answers::chronic_skin_disorder, "chronic-skin-disorder"},
                        Case{&Answers::poor_wound_healing, "poor-wound-healing"},
                        Case{&Answers::pregnant, "pregnancy"}}) {
    Answers a = clear();
    a.*(c.field) = true;
    const auto f = screen(a, {}, kToday);
    ASSERT_EQ(f.size(), 1u) << c.rule;
    EXPECT_EQ(f[0].rule, c.rule);
    EXPECT_EQ(f[0].severity, Severity::kBlock);
    EXPECT_FALSE(f[0].reason.empty());
  }
}

TEST(Screening, IsotretinoinBlocksWithinItsConfiguredWindow) {
  Answers a = clear();
  a.isotretinoin_last_dose = kToday - days{364};
  ASSERT_NE(find(screen(a, {}, kToday), "isotretinoin"), nullptr);
  EXPECT_EQ(find(screen(a, {}, kToday), "isotretinoin")->severity, Severity::kBlock);
  a.isotretinoin_last_dose = kToday - days{365};
  EXPECT_TRUE(screen(a, {}, kToday).empty());
  ScreeningWindows six_months;
  six_months.isotretinoin_days = 182;
  a.isotretinoin_last_dose = kToday - days{200};
  EXPECT_TRUE(screen(a, six_months, kToday).empty());
}

TEST(Screening, PreTreatmentRulesNeedAcknowledgement) {
  Answers a;  // no consultation either
  a.anticoagulant_last_dose = kToday - days{6};
  a.retinoid_or_acid_last_use = kToday - days{1};
  a.sun_exposure_last = kToday - days{3};
  const auto f = screen(a, {}, kToday);
  EXPECT_EQ(rules(f), (std::vector<std::string>{"anticoagulants", "retinoids-acids", "sun-exposure",
                                                "consultation"}));
  for (const auto& x : f) EXPECT_EQ(x.severity, Severity::kAcknowledge) << x.rule;
  EXPECT_NE(find(f, "anticoagulants")->reason.find("6 days ago"), std::string::npos);
}

TEST(Screening, WindowsEndWhereTheyShould) {
  Answers a = clear();
  a.anticoagulant_last_dose = kToday - days{7};
  a.retinoid_or_acid_last_use = kToday - days{2};  // 48 hours
  a.sun_exposure_last = kToday - days{7};
  EXPECT_TRUE(screen(a, {}, kToday).empty());
  ScreeningWindows w;
  w.retinoid_acid_hours = 72;
  EXPECT_EQ(rules(screen(a, w, kToday)), (std::vector<std::string>{"retinoids-acids"}));
}

TEST(Screening, DatesParseOnlyAsRealCalendarDays) {
  EXPECT_EQ(parse_date("2026-11-24"), kToday);
  EXPECT_EQ(parse_date("2024-02-29"), sys_days{year{2024} / February / 29});
  for (const char* bad :
       {"2026-02-30", "2026-13-01", "26-11-24", "2026-11-24x", "", "2026/11/24"}) {
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
  }
}

TEST(Screening, DatesInTheFutureAreBadAnswers) {
  Answers a = clear();
  a.sun_exposure_last = kToday + days{1};
  const auto bad = check_answers(a, kToday);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("sun_exposure_last"), std::string::npos);
  EXPECT_TRUE(check_answers(clear(), kToday).empty());
}

}  // namespace
}  // namespace dermad::treatment
