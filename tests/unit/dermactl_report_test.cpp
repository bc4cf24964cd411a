// The report's page: what a person opens from a ticket must show what dermad said, exactly,
// whatever the text holds, and never fetch or run anything.
#include "tools/dermactl/calibration_report.hpp"
#include "tools/dermactl/report_html.hpp"

#include <gtest/gtest.h>

namespace dermad::ctl {
namespace {

Report sample() {
  Report r;
  r.title = "dermad service report: SIM-1";
  r.heading = {{"written at", "2026-12-02T10:00:00.000Z"}};
  r.sections.push_back({"identity", "Identity", Json{{"serial", "SIM-1"}, {"uptime_s", 7}}, ""});
  r.sections.push_back({"alarms", "Alarm history",
                        Json::array({Json{{"code", "ESTOP"}, {"priority", "high"}},
                                     Json{{"code", "SUPPLY_LOW"}, {"priority", "low"}}}),
                        ""});
  r.sections.push_back({"events", "Recent events",
                        Json::array({Json{{"seq", 1},
                                          {"severity", "alarm"},
                                          {"details", Json{{"from", "IDLE"}, {"to", "FAULT"}}}}}),
                        ""});
  r.sections.push_back({"records", "Records", Json(), "PERMISSION_DENIED: engineers only"});
  r.sections.push_back({"self-test", "Last self-test", Json("no self-test recorded"), ""});
  r.sections.push_back({"cartridges", "Cartridges", Json::array(), ""});
  return r;
}

TEST(DermactlReport, EverySectionIsThereWithItsAnchorAndTitle) {
  const std::string page = report_html(sample());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"identity", "alarms", "events", "records", "self-test", "cartridges"}) {
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
    EXPECT_NE(page.find(std::string("<a href=\"#") + id + "\">"), std::string::npos) << id;
  }
  EXPECT_NE(page.find("<tr><th>serial</th><td>SIM-1</td></tr>"), std::string::npos) << page;
  EXPECT_NE(page.find("<th>code</th><th>priority</th>"), std::string::npos) << page;
  EXPECT_NE(page.find("not available: PERMISSION_DENIED: engineers only"), std::string::npos);
  EXPECT_NE(page.find("<p>no self-test recorded</p>"), std::string::npos);
  EXPECT_NE(page.find("<p>none recorded</p>"), std::string::npos);
  // An event's details are one compact JSON cell, not a table inside a row.
  EXPECT_NE(page.find("<code>{&quot;from&quot;:&quot;IDLE&quot;,&quot;to&quot;:&quot;FAULT&quot;}"
                      "</code>"),
            std::string::npos)
      << page;
}

TEST(DermactlReport, HighAlarmsAndAlarmEventsStandOut) {
  const std::string page = report_html(sample());
  EXPECT_NE(page.find("<tr class=\"alarm\"><td>ESTOP</td>"), std::string::npos) << page;
  EXPECT_NE(page.find("<tr><td>SUPPLY_LOW</td>"), std::string::npos) << page;
  EXPECT_NE(page.find("<tr class=\"alarm\"><td>1</td><td>alarm</td>"), std::string::npos) << page;
}

TEST(DermactlReport, WhatTheDeviceSaysIsShownNeverInterpreted) {
  Report r;
  r.title = "<script>alert(1)</script>";
  r.heading = {{"a&b", "\"quoted\" 'single'"}};
  r.sections.push_back({"x\"><script>", "<b>", Json{{"<img src=x onerror=1>", "</td></tr>"}}, ""});
  const std::string page = report_html(r);
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("<img"), std::string::npos) << page;
  EXPECT_EQ(page.find("<b>"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&amp;b"), std::string::npos);
  EXPECT_NE(page.find("&quot;quoted&quot; &#39;single&#39;"), std::string::npos);
  EXPECT_NE(page.find("id=\"x&quot;&gt;&lt;script&gt;\""), std::string::npos);
  EXPECT_NE(page.find("&lt;/td&gt;&lt;/tr&gt;"), std::string::npos);
}

TEST(DermactlReport, ThePageFetchesNothing) {
  const std::string page = report_html(sample());
  for (const char* outside : {"http:", "https:", "src=", "<link", "<script", "@import", "url("}) {
    EXPECT_EQ(page.find(outside), std::string::npos) << outside;
  }
}

// A calibration's page draws the device's figures and shows its texts, never runs them: the
// plots' texts are escaped too, and a number that is not one draws nothing.
TEST(DermactlReport, ACalibrationPagesPlotsCarryNoMarkupFromTheDevice) {
  v1::Calibration c;
  c.set_id(7);
  c.set_kind("depth");
  c.set_by("<script>alert(1)</script>");
  c.set_summary("</svg><img src=x>");
  c.set_data_json(R"({"map":{"gain":1.0,"offset_um":0.0,"points":[]},
      "fit":{"model":"linear","gain":1.0},
      "points":[{"commanded_um":0,"sensor_um":0,"gauge_um":1,"residual_um":1},
                {"commanded_um":500,"sensor_um":500,"gauge_um":"500","residual_um":null}]})");
  const std::string page = report_html(calibration_report(c, "now"));
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("<img"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);
  // Two plots, each closed; the title of each escaped into <title>.
  std::size_t open = 0, close = 0;
  for (std::size_t at = 0; (at = page.find("<svg ", at)) != std::string::npos; ++at) ++open;
  for (std::size_t at = 0; (at = page.find("</svg>", at)) != std::string::npos; ++at) ++close;
  EXPECT_EQ(open, 2u);
  EXPECT_EQ(close, 2u);
  EXPECT_EQ(page.find("nan"), std::string::npos) << "a NaN drawn";
}

}  // namespace
}  // namespace dermad::ctl
