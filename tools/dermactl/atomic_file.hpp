// Files dermactl writes whole: a crash or power cut leaves the old file or the new one,
// never a part. Written to a temporary file beside the target, flushed, renamed over it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dermad::ctl {

// What went wrong, with the path and the OS's reason ("cannot write /x: No space left").
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Replaces `file` with `data`, the result having exactly `mode`. Throws FileError.
void write_file_atomically(const std::filesystem::path& file, std::string_view data, mode_t mode);

}  // namespace dermad::ctl
