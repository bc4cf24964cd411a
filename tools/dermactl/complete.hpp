// Bash completion's other half: what may come next on a dermactl command line, from the same
// table that parses it (so a command is never completed one way and parsed another).
// `dermactl __complete WORD...` prints it; tools/dermactl/dermactl.bash-completion asks.
#pragma once

#include <string>
#include <vector>

#include "tools/dermactl/args.hpp"

namespace dermad::ctl {

// `words`: the command line after "dermactl", up to and including the word being completed
// (empty when a new word starts). The candidates for that word, sorted: subcommand words,
// or with a leading "-" the options of the command named so far and the global ones. None
// after an option that takes a value (the shell offers files there).
std::vector<std::string> completions(const std::vector<std::string>& words,
                                     const std::vector<CommandSpec>& table,
                                     const std::vector<OptionSpec>& globals);

}  // namespace dermad::ctl
