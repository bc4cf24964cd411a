// "Did you mean": the known word a typed one is most likely a typo of. Shared by dermad's
// refusals (protocols, zones, alarm codes, event kinds: every client gets the guess) and
// dermactl's own (commands, options, answers, fault kinds).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace dermad {

// Edits that turn a into b: insert, delete or replace a character, or swap two neighbours
// (the commonest typo, "fualt", counts once).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the optimal-string-alignment table: two back for the swap.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      row[j] =
          std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}

// The candidate within one edit per three characters of `typed` (at least one), the nearest
// first; "" when none is that near: further would be a guess at another word ("foo" is not
// "jog").
inline std::string closest_word(std::string_view typed,
                                const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(1, typed.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(typed, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

// ", did you mean 'general'?" for a refusal's text, or "". (A comma, not "; ": clients
// split a refusal's reasons at "; ".)
inline std::string did_you_mean_clause(std::string_view typed,
                                       const std::vector<std::string>& candidates) {
  const std::string best = closest_word(typed, candidates);
  return best.empty() ? "" : ", did you mean '" + best + "'?";
}

}  // namespace dermad
