#include <iostream>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/errors.hpp"

namespace dermad::ctl {

Client& Context::client() {
  if (!client_) client_ = std::make_unique<Client>(globals_);
  return *client_;
}

int Context::fail(const grpc::Status& status, bool reason_per_line) {
  const std::string target =
      client_ ? client_->target()
              : (globals_.target.empty() ? "unix:" + globals_.socket : globals_.target);
  const ErrorReport r = describe_rpc_error(status, target, globals_.json, reason_per_line);
  std::cout << r.stdout_json << std::flush;
  std::cerr << r.stderr_line << std::flush;
  return r.exit_code;
}

void Context::print(const Json& j) {
  std::cout << dump(j) << '\n' << std::flush;
}

void Context::print(const std::string& text) {
  std::cout << text;
  if (!text.empty() && text.back() != '\n') std::cout << '\n';
  std::cout << std::flush;
}

}  // namespace dermad::ctl
