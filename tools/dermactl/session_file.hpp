// Where `dermactl session start` keeps the owner token of the session it armed, so that
// `session update`, `attach` and `end` work without anyone copying a secret by hand.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace dermad::ctl {

struct SessionRecord {
  std::string session_id;
  std::string owner_token;
  std::string target;  // how dermad was reached, e.g. "unix:/run/dermad/dermad.sock"
};

// The file could not be located, written or understood.
class SessionFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// $DERMACTL_SESSION_FILE, else $XDG_STATE_HOME/dermactl/session.json, else
// $HOME/.local/state/dermactl/session.json. Throws SessionFileError when none can be formed.
std::filesystem::path session_file_path();

// Creates the file's directory (mode 0700) when missing. Done before StartSession so a
// session is never armed whose token could not be kept.
void prepare_session_dir(const std::filesystem::path& file);

// Replaces the file atomically (temporary file, fsync, rename) with mode 0600: a reader never
// sees half a token, and no other user can read it.
void write_session_file(const std::filesystem::path& file, const SessionRecord& record);

// nullopt when there is no file; SessionFileError when it is unreadable or not a record.
std::optional<SessionRecord> read_session_file(const std::filesystem::path& file);

// Removes the file; false when there was none.
bool remove_session_file(const std::filesystem::path& file);

}  // namespace dermad::ctl
