// A TCP proxy between a client under test and its server, for cutting and delaying the link
// as a clinic's network would: cut() drops every connection and refuses new ones until
// mend(); delay_ms() holds every chunk that long; the target can change (another instance).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

namespace dermad::test {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void cut();
  void mend() { cut_ = false; }
  void delay_ms(int ms) { delay_ms_ = ms; }
  void retarget(int port) { target_ = port; }
  // Connections accepted so far (each a pen's reconnection).
  int accepted() const { return accepted_; }

 private:
  void run();
  int listener_ = -1, port_ = 0;
  std::atomic<int> target_;
  std::atomic<bool> cut_{false}, stop_{false}, drop_{false};
  std::atomic<int> delay_ms_{0}, accepted_{0};
  std::thread thread_;
};

}  // namespace dermad::test
