#include "tests/bench/loop_timing_proc.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace dermad::bench {

pid_t spawn(const std::vector<std::string>& argv_in, const std::string& out_path,
            const std::string& err_path) {
  // Everything the child needs is prepared before fork: between fork and exec a
  // multithreaded parent's child may only make async-signal-safe calls.
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(126);  // the bench died before prctl took effect
  const int in = open("/dev/null", O_RDONLY);
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || err < 0) _exit(126);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  execv(argv[0], argv.data());
  _exit(127);
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;  // not our child any more: nothing left to wait for
    if (std::chrono::steady_clock::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int stop_process(pid_t pid, int sig, std::chrono::milliseconds grace) {
  kill(pid, sig);
  if (const auto st = wait_exit(pid, grace)) return *st;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

Children::~Children() {
  if (cyclictest > 0) stop_process(cyclictest, SIGTERM, std::chrono::milliseconds(2000));
  if (daemon > 0) stop_process(daemon, SIGTERM, std::chrono::milliseconds(10000));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::optional<ProcUsage> read_proc_usage(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  ProcUsage u;
  std::ifstream status(base + "/status");
  std::string line;
  bool have_rss = false;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      u.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
      have_rss = true;
      break;
    }
  }
  const std::string stat = read_file(base + "/stat");
  // The command name may hold spaces or parentheses: fields are counted after the last ')'.
  const auto close = stat.rfind(')');
  if (!have_rss || close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  // After ")": state(3) ... utime is field 14 and stime field 15 of proc(5).
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  uint64_t utime = 0;
  uint64_t stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  u.cpu_ticks = utime + stime;
  return u;
}

double cpu_percent(const ProcUsage& from, const ProcUsage& to, std::chrono::nanoseconds wall) {
  const double seconds = std::chrono::duration<double>(wall).count();
  if (seconds <= 0) return 0.0;
  const double ticks = static_cast<double>(to.cpu_ticks - from.cpu_ticks);
  return 100.0 * ticks / static_cast<double>(sysconf(_SC_CLK_TCK)) / seconds;
}

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string tail_of_file(const std::string& path, std::size_t max_chars) {
  const std::string all = read_file(path);
  return all.size() <= max_chars ? all : "..." + all.substr(all.size() - max_chars);
}

}  // namespace dermad::bench
