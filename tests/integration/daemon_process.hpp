// Starts the real `dermad --sim` on a temporary socket for a test and stops it after.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

namespace dermad::test {

class DaemonProcess {
 public:
  explicit DaemonProcess(std::vector<std::string> extra_args = {});
  // dermad started through `wrapper` (a command that ends by exec'ing its arguments, e.g.
  // unshare), so that its pid is still dermad's.
  DaemonProcess(std::vector<std::string> extra_args, std::vector<std::string> wrapper);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // True once the socket answers and the loop has homed to IDLE (waits up to 20 s).
  // channel() is usable after this.
  bool wait_ready();
  // Sends `sig` (none when 0) and waits for the exit; returns the status as from waitpid.
  int stop(int sig);

  const std::string& socket_path() const { return socket_; }
  const std::string& state_dir() const { return dir_; }  // also holds the socket and log
  std::string target() const { return "unix:" + socket_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::string log() const;
  int pid() const { return pid_; }

 private:
  std::string dir_;
  std::string socket_;
  int pid_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
};

// A state directory that outlives one daemon, as /var/lib/dermad does.
class StateDir {
 public:
  StateDir();
  ~StateDir();
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a command, returning its exit code and standard output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace dermad::test
