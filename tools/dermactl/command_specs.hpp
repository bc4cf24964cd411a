// Every dermactl command with its options: one table drives parsing, help and dispatch.
#pragma once

#include <vector>

#include "tools/dermactl/args.hpp"

namespace dermad::ctl {

const std::vector<CommandSpec>& command_specs();

}  // namespace dermad::ctl
