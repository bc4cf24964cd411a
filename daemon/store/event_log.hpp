// The device's durable records: schema with migrations, and the append-only event log whose
// rows are chained by SHA-256 so an edited or deleted row is found. Gapless sequence numbers
// make it a cursor for readers and for the fleet uploader.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/sqlite_db.hpp"

namespace dermad::store {

struct Event {
  int64_t seq = 0;  // assigned by the store, from 1, without gaps
  int64_t wall_ns = 0;
  int64_t mono_ns = 0;
  std::string kind;      // e.g. "state_changed", "alarm_raised", "session_started"
  std::string severity;  // "info", "warning", "alarm"
  std::string session_id;
  std::string details;  // JSON text
  std::string hash;     // hex SHA-256 of the previous hash and this row's fields
};

inline constexpr int kSchemaVersion = 1;

class EventStore {
 public:
  // Opens or creates the database: WAL, full sync, integrity check, migrations. On failure
  // returns false and says why (a corrupt file is reported, never replaced).
  bool open(const std::string& path, std::string& error);
  int schema_version();

  // Appends events in one transaction; assigns seq and hash. False (nothing written) on
  // failure, e.g. a full disk.
  bool append(std::vector<Event>& events, std::string& error);
  // Up to `limit` events with seq > after_seq, in order.
  std::vector<Event> read(int64_t after_seq, int limit);
  int64_t last_seq();

  // Walks the whole chain. Empty when intact, else what is wrong (first problem first).
  std::vector<std::string> verify();

 private:
  bool migrate(std::string& error);
  std::vector<Event> read_locked(int64_t after_seq, int limit);
  // One connection shared by the recorder and the readers: a transaction must not see
  // another thread's statements in the middle of it.
  std::mutex mu_;
  Db db_;
};

// Hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);
// What a row's hash covers: the previous row's hash and every field of this one.
std::string chain_hash(const std::string& prev_hash, const Event& e);

}  // namespace dermad::store
