#include "tools/dermactl/session_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "tools/dermactl/atomic_file.hpp"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

[[noreturn]] void fail_errno(const std::string& what, const fs::path& p) {
  throw SessionFileError(what + " " + p.string() + ": " + std::strerror(errno));
}

const std::string* string_field(const Json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

}  // namespace

fs::path session_file_path() {
  if (const auto explicit_file = env("DERMACTL_SESSION_FILE"); !explicit_file.empty()) {
    return explicit_file;
  }
  // The XDG base directory spec says to ignore a relative XDG_STATE_HOME.
  if (const fs::path state = env("XDG_STATE_HOME"); state.is_absolute()) {
    return state / "dermactl" / "session.json";
  }
  if (const fs::path home = env("HOME"); !home.empty()) {
    return home / ".local" / "state" / "dermactl" / "session.json";
  }
  throw SessionFileError(
      "no place for the session file: set DERMACTL_SESSION_FILE, XDG_STATE_HOME or HOME");
}

void prepare_session_dir(const fs::path& file) {
  const fs::path dir = file.parent_path();
  if (dir.empty()) return;
  // One level at a time, so every directory created here gets 0700 (the XDG spec's mode for
  // state directories) whatever the umask would give create_directories.
  fs::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), S_IRWXU) == 0 || errno == EEXIST) continue;
    const int err = errno;
    std::error_code ec;
    if (fs::is_directory(partial, ec)) continue;  // exists, but e.g. on a read-only mount
    errno = err;
    fail_errno("cannot create the directory", partial);
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw SessionFileError(dir.string() + " is not a directory");
}

void write_session_file(const fs::path& file, const SessionRecord& record) {
  prepare_session_dir(file);
  const std::string text = dump(Json{{"session_id", record.session_id},
                                     {"owner_token", record.owner_token},
                                     {"target", record.target}}) +
                           "\n";
  try {
    write_file_atomically(file, text, S_IRUSR | S_IWUSR);
  } catch (const FileError& e) {
    throw SessionFileError(e.what());
  }
}

std::optional<SessionRecord> read_session_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno("cannot read", file);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      fail_errno("cannot read", file);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto doc = parse_json(text);
  const std::string bad = "the session file " + file.string() + " is not dermactl's";
  if (!doc || !doc->is_object()) throw SessionFileError(bad);
  const auto* id = string_field(*doc, "session_id");
  const auto* token = string_field(*doc, "owner_token");
  const auto* target = string_field(*doc, "target");
  if (!id || !token || !target || token->empty()) throw SessionFileError(bad);
  return SessionRecord{*id, *token, *target};
}

bool remove_session_file(const fs::path& file) {
  std::error_code ec;
  const bool removed = fs::remove(file, ec);
  if (ec) throw SessionFileError("cannot remove " + file.string() + ": " + ec.message());
  return removed;
}

}  // namespace dermad::ctl
