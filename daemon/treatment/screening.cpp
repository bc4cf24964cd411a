#include "daemon/treatment/screening.hpp"

#include <algorithm>
#include <cstdio>

namespace dermad::treatment {

namespace {

int days_since(const Date& d, Date today) {
  return static_cast<int>((today - d).count());
}

bool within(const std::optional<Date>& d, int window_days, Date today) {
  return d && days_since(*d, today) < window_days;
}

std::string ago(const Date& d, Date today) {
  const int n = days_since(d, today);
  if (n == 0) return "today";
  if (n == 1) return "yesterday";
  return std::to_string(n) + " days ago";
}

}  // namespace

std::optional<Date> parse_date(const std::string& s) {
  using namespace std::chrono;
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::vector<std::string> check_answers(const Answers& a, Date today) {
  std::vector<std::string> bad;
  const std::pair<const char*, const std::optional<Date>*> dates[] = {
      {"isotretinoin_last_dose", &a.isotretinoin_last_dose},
      {"anticoagulant_last_dose", &a.anticoagulant_last_dose},
      {"retinoid_or_acid_last_use", &a.retinoid_or_acid_last_use},
      {"sun_exposure_last", &a.sun_exposure_last}};
  for (const auto& [name, d] : dates) {
    if (*d && **d > today) bad.push_back(std::string(name) + " is a date in the future");
  }
  return bad;
}

std::vector<Finding> screen(const Answers& a, const ScreeningWindows& w, Date today) {
  std::vector<Finding> f;
  const auto block = Severity::kBlock;
  const auto ack = Severity::kAcknowledge;
  if (a.active_infection) {
    f.push_back({"active-infection", block,
                 "Active skin infection (bacterial, viral or fungal) in or near the area"});
  }
  if (a.chronic_skin_disorder) {
    f.push_back({"chronic-skin-disorder", block,
                 "Chronic skin disorder (eczema, psoriasis, rosacea) in the area"});
  }
  if (a.poor_wound_healing) {
    f.push_back({"poor-wound-healing", block, "Poor wound healing or a history of keloids"});
  }
  if (a.pregnant) f.push_back({"pregnancy", block, "Pregnancy: no microneedling"});
  if (within(a.isotretinoin_last_dose, w.isotretinoin_days, today)) {
    f.push_back({"isotretinoin", block,
                 "Isotretinoin taken " + ago(*a.isotretinoin_last_dose, today) + " (wait " +
                     std::to_string(w.isotretinoin_days) + " days after the last dose)"});
  }
  if (within(a.anticoagulant_last_dose, w.anticoagulant_days, today)) {
    f.push_back({"anticoagulants", ack,
                 "Anticoagulant (aspirin, NSAIDs, vitamin E) taken " +
                     ago(*a.anticoagulant_last_dose, today) + ": more bleeding and bruising"});
  }
  const int retinoid_days = (w.retinoid_acid_hours + 23) / 24;
  if (within(a.retinoid_or_acid_last_use, retinoid_days, today)) {
    f.push_back({"retinoids-acids", ack,
                 "Retinoids, topical antibiotics or glycolic/salicylic acid used " +
                     ago(*a.retinoid_or_acid_last_use, today) + " (within " +
                     std::to_string(w.retinoid_acid_hours) + " hours): more irritation"});
  }
  if (within(a.sun_exposure_last, w.sun_exposure_days, today)) {
    f.push_back({"sun-exposure", ack,
                 "Tanning bed or strong sun " + ago(*a.sun_exposure_last, today) +
                     ": sensitised skin, risk of hyperpigmentation"});
  }
  if (!a.consultation_done) {
    f.push_back({"consultation", ack, "No consultation recorded before this treatment"});
  }
  return f;
}

}  // namespace dermad::treatment
