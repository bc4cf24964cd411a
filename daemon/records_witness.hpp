// Whether the records can be trusted (issue #10 findings 4 and 5): at start the whole hash
// chain is verified and the witness (daemon/store/witness.hpp) is checked against the log;
// a broken chain, or records that lost what the witness saw, raise RECORDS_UNTRUSTED and no
// session starts until an engineer accepts them. While trusted, the witness follows the log
// once a second on the I/O side, and once more at stop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <string>

#include "daemon/api/records_trust.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/store/journal.hpp"
#include "daemon/store/store.hpp"

namespace dermad {

class RecordsWitness final : public api::RecordsTrust {
 public:
  RecordsWitness(store::Store& store, std::string path, boost::asio::io_context& io)
      : store_(store), path_(std::move(path)), timer_(io) {}

  // Before anything is written at start: verifies the chain and the witness. Returns why the
  // records are not to be trusted (empty when they are); `verify_ms` is what it took.
  std::string check_at_start(int64_t& verify_ms);
  // Tells the loop, records what was found, and keeps the witness from then on.
  void start(control::ControlCore& core, store::Journal& journal);
  void stop();

  std::string untrusted_why() const override;
  std::optional<std::string> accept(const std::string& reason) override;

 private:
  void schedule();
  void refresh();

  store::Store& store_;
  const std::string path_;
  boost::asio::steady_timer timer_;
  control::ControlCore* core_ = nullptr;
  store::Journal* journal_ = nullptr;
  mutable std::mutex mu_;
  std::string why_;         // empty while trusted
  int64_t witnessed_ = -1;  // the seq last written to the witness
  int64_t accepted_ = 0;    // where an engineer last accepted the records (the witness's)
};

}  // namespace dermad
