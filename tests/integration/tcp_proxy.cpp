#include "tests/integration/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

namespace dermad::test {

namespace {

int connect_to(int port) {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

bool write_all(int fd, const char* p, ssize_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, static_cast<size_t>(n));
    if (w <= 0) return false;
    p += w;
    n -= w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_(target_port) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listener_, 64);
  socklen_t n = sizeof a;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &n);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  thread_.join();
  close(listener_);
}

void TcpProxy::cut() {
  cut_ = true;
  drop_ = true;
}

void TcpProxy::run() {
  struct Pair {
    int a, b;  // client side, server side
  };
  std::vector<Pair> pairs;
  auto close_all = [&] {
    for (auto& p : pairs) {
      close(p.a);
      close(p.b);
    }
    pairs.clear();
  };
  while (!stop_) {
    if (drop_.exchange(false)) close_all();
    std::vector<pollfd> fds{{listener_, POLLIN, 0}};
    for (const auto& p : pairs) {
      fds.push_back({p.a, POLLIN, 0});
      fds.push_back({p.b, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    const std::size_t polled = pairs.size();
    if (fds[0].revents & POLLIN) {
      const int c = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        const int s = cut_ ? -1 : connect_to(target_);
        if (s < 0) {
          close(c);  // cut, or the server is down: as a dead route looks to the pen
        } else {
          ++accepted_;
          pairs.push_back({c, s});
        }
      }
    }
    std::vector<Pair> alive;
    char buf[65536];
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const Pair p = pairs[i];
      bool ok = true;
      if (i >= polled) {
        alive.push_back(p);  // accepted in this round: polled from the next
        continue;
      }
      for (int k = 0; k < 2 && ok; ++k) {
        const short ev = fds[1 + 2 * i + k].revents;
        if (!(ev & (POLLIN | POLLHUP | POLLERR))) continue;
        const int from = k == 0 ? p.a : p.b, to = k == 0 ? p.b : p.a;
        const ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0) {
          ok = false;
          break;
        }
        if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        ok = write_all(to, buf, n);
      }
      if (ok) {
        alive.push_back(p);
      } else {
        close(p.a);
        close(p.b);
      }
    }
    pairs = alive;
  }
  close_all();
}

}  // namespace dermad::test
