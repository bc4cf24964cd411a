#include "daemon/api/unix_acceptor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <grpcpp/server_posix.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace dermad::api {

namespace {

// The socket's folder must exist; a stale socket from a killed daemon is replaced, but
// any other file at that path is left alone and reported.
bool prepare_path(const std::string& path, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) {
    error = "cannot create " + p.parent_path().string() + ": " + ec.message();
    return false;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = path + " exists and is not a socket";
      return false;
    }
    if (unlink(path.c_str()) != 0) {
      error = "cannot remove stale socket " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace

UnixAcceptor::~UnixAcceptor() {
  stop();
  if (fd_ >= 0) close(fd_);
}

bool UnixAcceptor::listen(const std::string& path, std::string& error) {
  if (!prepare_path(path, error)) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    error = "socket path " + path + " is longer than " + std::to_string(sizeof addr.sun_path - 1);
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      chmod(path.c_str(), 0666) != 0 || ::listen(fd_, 64) != 0 || pipe2(wake_, O_CLOEXEC) != 0) {
    error = "cannot listen on unix:" + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void UnixAcceptor::start(grpc::Server& server, Gate& gate) {
  thread_ = std::thread([this, &server, &gate] { run(server, gate); });
}

void UnixAcceptor::stop() {
  if (!thread_.joinable()) return;
  const char b = 0;
  [[maybe_unused]] const auto n = write(wake_[1], &b, 1);
  thread_.join();
  close(wake_[0]);
  close(wake_[1]);
}

void UnixAcceptor::run(grpc::Server& server, Gate& gate) {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
      // Out of descriptors: the socket stays readable, so wait rather than spin a core.
      if (errno == EMFILE || errno == ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;  // or the client went before we took it
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      close(c);  // no credentials, no role: not served
      continue;
    }
    gate.unix_peer("fd:" + std::to_string(c), cred);
    grpc::AddInsecureChannelFromFd(&server, c);
  }
}

}  // namespace dermad::api
