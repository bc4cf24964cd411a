#include "daemon/records_witness.hpp"

#include <chrono>

#include "daemon/control/clock.hpp"
#include "daemon/log.hpp"
#include "daemon/store/details.hpp"
#include "daemon/store/witness.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad {

std::string RecordsWitness::check_at_start(int64_t& verify_ms) {
  std::string error;
  const auto w = store::read_witness(path_, error);
  std::string why = error;
  if (w) {
    accepted_ = w->accepted;
    why = store::witness_problem(store_, *w);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto problems = store_.verify(why.empty() ? accepted_ : 0);
  verify_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::string broken;
  for (const auto& p : problems)
    broken += (broken.empty() ? "the hash chain is broken: " : "; ") + p;
  // What the device counts must agree with what the chain says happened (#10 finding 6).
  for (const auto& p : store_.counters_problems()) broken += (broken.empty() ? "" : "; ") + p;
  for (const auto& p : store_.pruning_problems()) broken += (broken.empty() ? "" : "; ") + p;
  if (!broken.empty()) why = broken + (why.empty() ? "" : "; " + why);
  std::lock_guard lock(mu_);
  why_ = why;
  return why;
}

void RecordsWitness::start(control::ControlCore& core, store::Journal& journal) {
  core_ = &core;
  journal_ = &journal;
  const std::string why = untrusted_why();
  core.records_trusted(why.empty());
  if (!why.empty()) {
    journal.record("records_untrusted", "alarm", store::details_text({{"why", why}}), "");
  }
  refresh();
  schedule();
}

void RecordsWitness::stop() {
  timer_.cancel();
  refresh();
}

void RecordsWitness::schedule() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    refresh();
    schedule();
  });
}

void RecordsWitness::refresh() {
  std::lock_guard lock(mu_);
  // While untrusted the witness keeps what it saw: the evidence until an engineer has looked.
  if (!why_.empty()) return;
  store::Witness w = store::witness_of(store_);
  w.accepted = accepted_;
  if (w.seq == witnessed_ || w.hash.empty()) return;
  std::string error;
  if (store::write_witness(path_, w, error)) witnessed_ = w.seq;
}

std::string RecordsWitness::untrusted_why() const {
  std::lock_guard lock(mu_);
  return why_;
}

std::optional<std::string> RecordsWitness::accept(const std::string& reason) {
  std::string was;
  {
    std::lock_guard lock(mu_);
    if (why_.empty()) return std::nullopt;
    was = why_;
    why_.clear();
    witnessed_ = -1;
    accepted_ = store_.last_seq();  // the chain is checked from here on
  }
  if (journal_) {
    journal_->record("records_accepted", "warning",
                     store::details_text({{"reason", reason}, {"was", was}}), "");
  }
  // The counters as they stand are the new baseline: the engineer has looked at them too.
  if (std::string error;
      !store_.chain_counters(wall_now_ns(), control::MonotonicClock().now_ns(), error)) {
    log("ERROR", "records accepted, but their counters could not be chained: " + error);
  }
  // So is what pruning left: the anchor and the pruned sessions' cartridges as they stand.
  if (std::string error;
      !store_.pruning_problems().empty() &&
      !store_.chain_pruned(wall_now_ns(), control::MonotonicClock().now_ns(), error)) {
    log("ERROR", "records accepted, but what pruning left could not be chained: " + error);
  }
  refresh();
  if (core_) core_->records_trusted(true);
  return was;
}

}  // namespace dermad
