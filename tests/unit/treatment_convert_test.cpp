// Stored session rows as the summary a client reads: the records' own format, and the rows
// an earlier dermad wrote with the API's bytes.
#include "daemon/api/treatment_convert.hpp"

#include <gtest/gtest.h>

namespace dermad::api {
namespace {

store::SessionRow row_with(const std::string& summary) {
  store::SessionRow row;
  row.id = "S20261202-133500-7";
  row.state = "aborted";
  row.protocol = "general";
  row.cartridge_serial = "C-7";
  row.started_wall_ns = 1'796'218'500'000'000'000;
  row.ended_wall_ns = 1'796'219'100'000'000'000;
  row.end_reason = "dermad stopped without ending the session (crash or power cut)";
  row.summary = summary;
  return row;
}

TEST(StoredSummary, TheRecordsFormatGivesEveryFigureAndTheRowItsState) {
  treatment::SessionSummary figures;
  figures.run_s = 61.5;
  figures.run_s_by_zone = {{"cheeks", 61.5}};
  figures.strokes = 6150;
  figures.needles = 36;
  figures.materials = {{"prp", "TUBE-3"}};
  figures.aftercare = {"No makeup for 24 hours."};
  const auto s = summary_of(row_with(treatment::summary_text(figures)));
  EXPECT_EQ(s.session_id(), "S20261202-133500-7");
  EXPECT_EQ(s.state(), v1::SESSION_STATE_ABORTED);
  EXPECT_FALSE(s.active());
  EXPECT_EQ(s.started_at(), "2026-12-02T13:35:00Z");
  EXPECT_EQ(s.ended_at(), "2026-12-02T13:45:00Z");
  EXPECT_EQ(s.end_reason(), row_with("").end_reason);
  EXPECT_EQ(s.strokes(), 6150u);
  EXPECT_EQ(s.microchannels(), 6150u * 36);
  ASSERT_EQ(s.zones_size(), 1);
  EXPECT_EQ(s.zones(0).run_s(), 61.5);
  ASSERT_EQ(s.materials_size(), 1);
  EXPECT_EQ(s.materials(0).lot(), "TUBE-3");
  EXPECT_EQ(s.aftercare_size(), 1);
}

TEST(StoredSummary, ARowAnEarlierDermadWroteWithTheApisBytesStillReads) {
  v1::SessionSummary old;
  old.set_strokes(4242);
  old.set_run_s(42.0);
  old.add_aftercare("Broad-spectrum SPF 30+ every day, and no direct sun.");
  const auto s = summary_of(row_with(old.SerializeAsString()));
  EXPECT_EQ(s.strokes(), 4242u);
  EXPECT_EQ(s.run_s(), 42.0);
  EXPECT_EQ(s.aftercare_size(), 1);
  EXPECT_EQ(s.state(), v1::SESSION_STATE_ABORTED);
}

TEST(StoredSummary, AnUnreadableSummaryStillLeavesWhatTheRowKnows) {
  const auto s = summary_of(row_with("\xff\xff not a summary"));
  EXPECT_EQ(s.session_id(), "S20261202-133500-7");
  EXPECT_EQ(s.cartridge_serial(), "C-7");
  EXPECT_EQ(s.strokes(), 0u);
}

}  // namespace
}  // namespace dermad::api
