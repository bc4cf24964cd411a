// Child processes (the daemon, cyclictest) and what /proc says about them, for
// loop_timing_bench.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dermad::bench {

// Starts argv[0] with stdout and stderr to the given files. The child gets SIGTERM if the
// bench dies, so an interrupted run leaves no daemon or cyclictest behind. -1 on failure.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path);

// Waits up to `timeout` for `pid` to exit; its waitpid status, nullopt if still running.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout);

// Sends `sig`, waits up to `grace`, then SIGKILLs. Returns the waitpid status.
int stop_process(pid_t pid, int sig, std::chrono::milliseconds grace);

// "exit code 3", "killed by signal 9" and the like, for messages.
std::string describe_status(int status);

// Resident memory and CPU time of a whole process (all threads).
struct ProcUsage {
  uint64_t rss_kib = 0;
  uint64_t cpu_ticks = 0;  // utime + stime, in sysconf(_SC_CLK_TCK) units
};
std::optional<ProcUsage> read_proc_usage(pid_t pid);

// Percent of one core used between two readings `wall` apart.
double cpu_percent(const ProcUsage& from, const ProcUsage& to, std::chrono::nanoseconds wall);

// The full path of `name` found in $PATH, empty when it is not there.
std::string find_in_path(const std::string& name);

// The daemon and cyclictest, stopped (SIGTERM, then SIGKILL) on every way out of a run.
// A member is -1 once its process has been stopped and waited for elsewhere.
struct Children {
  pid_t daemon = -1;
  pid_t cyclictest = -1;
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children();
};

std::string read_file(const std::string& path);
// The last `max_chars` of a file, for error messages that quote a child's log.
std::string tail_of_file(const std::string& path, std::size_t max_chars);

}  // namespace dermad::bench
