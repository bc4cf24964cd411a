// dermactl's command line: global options, a path of subcommand words, then the command's
// own options (`--name value` or `--name=value`) and positional words.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dermad::ctl {

// Bad usage: main prints the message with a hint to `dermactl <command> --help`, exit 2.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string command = {})
      : std::runtime_error(message), command_(std::move(command)) {}
  // The command path whose --help explains the mistake ("" for the top level).
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

struct OptionSpec {
  std::string name;          // long name without the leading "--"
  std::string value_name;    // e.g. "N"; empty for a flag that takes no value
  std::string help;          // what it sets, with its unit and range
  std::string default_text;  // shown as "(default: ...)"; empty when there is none
  bool required = false;
  // May be given several times (e.g. --ack RULE --ack RULE2); any other option given twice is
  // a usage error rather than a silent "last one wins".
  bool repeatable = false;
  char short_name = 0;  // e.g. 'n' for -n; 0: none
};

struct CommandSpec {
  std::string path;         // subcommand words, e.g. "sim cartridge insert"
  std::string summary;      // one line for the command lists
  std::string positionals;  // usage text of positional words, e.g. "CODE..."; empty: none
  std::vector<OptionSpec> options;
  std::string details;  // further help text, may be empty
};

struct GlobalOptions {
  std::string socket;  // used when target is empty
  std::string target;  // HOST:PORT over TCP
  // TLS for --target: the CA that signed dermad's certificate (TLS is on when given), this
  // client's certificate and key for mutual TLS, and the name to expect in dermad's
  // certificate when the target is an address.
  std::string tls_ca, tls_cert, tls_key, tls_server_name;
  bool json = false;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const {
    return flags_.contains(name) || values_.contains(name);
  }
  // The option's value (its last one when repeated), nullopt when not given.
  std::optional<std::string> value(const std::string& name) const;
  // Every value of a repeatable option in command-line order; empty when not given.
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  void set_flag(const std::string& name) { flags_.insert(name); }
  void add_value(const std::string& name, std::string v) { values_[name].push_back(std::move(v)); }
  void add_positional(std::string word) { positionals_.push_back(std::move(word)); }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

struct CommandLine {
  GlobalOptions globals;
  const CommandSpec* command = nullptr;  // the command to run, unless help_text is set
  std::string help_text;                 // non-empty: print it and exit 0
  ParsedArgs args;
};

// The options every command accepts, with default_socket as the --socket default.
std::vector<OptionSpec> global_option_specs(const std::string& default_socket);

// Parses argv (without the program name) against table. Global options may come before the
// subcommand or among its options. Throws UsageError.
CommandLine parse_command_line(const std::vector<std::string>& argv,
                               const std::vector<CommandSpec>& table,
                               const std::string& default_socket);

// "; did you mean 'status'?" when one of `candidates` is a typo away from `typed` (shown with
// `prefix`), "" when none is near enough to be a guess.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates,
                         std::string_view prefix = "");

std::string top_help(const std::vector<CommandSpec>& table, const std::string& default_socket);
// Help of a command (and of its subcommands when it also names a group).
std::string command_help(const CommandSpec& spec, const std::vector<CommandSpec>& table);
// Help of a group of commands that is not itself a command, e.g. "sim".
std::string group_help(std::string_view path, const std::vector<CommandSpec>& table);

}  // namespace dermad::ctl
