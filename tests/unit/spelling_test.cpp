// The did-you-mean guesses dermad and dermactl make: near typos found, other words left alone.
#include "daemon/spelling.hpp"

#include <gtest/gtest.h>

namespace dermad {
namespace {

TEST(Spelling, EditsCountInsertionsDeletionsReplacementsAndSwaps) {
  EXPECT_EQ(edit_distance("fault", "fault"), 0u);
  EXPECT_EQ(edit_distance("fualt", "fault"), 1u);  // two neighbours swapped
  EXPECT_EQ(edit_distance("staus", "status"), 1u);
  EXPECT_EQ(edit_distance("statuss", "status"), 1u);
  EXPECT_EQ(edit_distance("stetus", "status"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Spelling, TheNearestKnownWordWithinOneEditPerThreeLetters) {
  const std::vector<std::string> zones = {"forehead", "cheeks", "chin", "neck", "nose"};
  EXPECT_EQ(closest_word("cheks", zones), "cheeks");
  EXPECT_EQ(closest_word("foreheda", zones), "forehead");
  EXPECT_EQ(closest_word("chinn", zones), "chin");
  EXPECT_EQ(closest_word("knee", zones), "");  // two edits from "neck" for four letters
  EXPECT_EQ(closest_word("foo", {"jog", "counters"}), "");
  EXPECT_EQ(closest_word("alarm_raisd", {"alarm_raised", "alarm_cleared"}), "alarm_raised");
  EXPECT_EQ(closest_word("x", {"y"}), "y");  // one letter: one edit is as near as it gets
}

TEST(Spelling, ARefusalsClauseNeverSplitsItsReasons) {
  EXPECT_EQ(did_you_mean_clause("genral", {"general", "prp"}), ", did you mean 'general'?");
  EXPECT_EQ(did_you_mean_clause("zzzzzz", {"general", "prp"}), "");
}

}  // namespace
}  // namespace dermad
