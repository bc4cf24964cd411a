// A small witness of the records, kept in a file of its own beside the database: the
// sequence number and hash of an event the log is known to have held. A database that
// vanished, was emptied, or was rolled back (a crash that lost the WAL, a restored backup)
// no longer holds that event, and the start says so instead of taking the device for new.
// Written atomically (temporary file, fsync, rename) at most once a second, so it may lag
// the log by that much: a witness older than the log is normal, one newer is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/store/store.hpp"

namespace dermad::store {

struct Witness {
  int64_t seq = 0;
  std::string hash;
  // The newest event when an engineer last accepted untrusted records (0: never): the chain
  // is verified from there on, so damage accepted once is not raised at every start.
  int64_t accepted = 0;
};

// The witness at `path`; nothing when there is none yet. A file that cannot be read or is
// not a witness is an error, said in `error`.
std::optional<Witness> read_witness(const std::string& path, std::string& error);
bool write_witness(const std::string& path, const Witness& w, std::string& error);
// `text` into `path` atomically: a temporary file, fsync, rename, fsync of the folder.
bool write_small_file(const std::string& path, const std::string& text, std::string& error);

// The witness of `store` as it stands: its newest event.
Witness witness_of(Store& store);

// Why `store` does not hold what `w` saw; empty when it does.
std::string witness_problem(Store& store, const Witness& w);

// `dermad --check`: the records file and its witness, read-only, judged as the start would
// judge them (a file, readable, intact, a schema this dermad can migrate, the chain, the
// witness), leaving behind no file that was not there. True with a one-line report, else
// false with every problem.
bool check_records(const std::string& db_path, const std::string& witness_path,
                   std::string& report);

}  // namespace dermad::store
