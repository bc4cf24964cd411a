#include "tools/dermactl/args.hpp"

#include "daemon/spelling.hpp"

#include <algorithm>
#include <cstddef>

namespace dermad::ctl {

namespace {

bool is_help(std::string_view a) {
  return a == "--help" || a == "-h";
}
bool looks_like_option(std::string_view a) {
  return a.size() > 1 && a.front() == '-';
}

std::string join(std::string_view path, std::string_view word) {
  return path.empty() ? std::string(word) : std::string(path) + " " + std::string(word);
}

bool under(std::string_view spec_path, std::string_view path) {
  if (path.empty()) return true;
  if (spec_path == path) return true;
  return spec_path.size() > path.size() && spec_path.starts_with(path) &&
         spec_path[path.size()] == ' ';
}

// A node is a command or a group of commands (a prefix of some command's words).
bool is_node(std::string_view path, const std::vector<CommandSpec>& table) {
  return std::any_of(table.begin(), table.end(),
                     [&](const CommandSpec& c) { return under(c.path, path); });
}

bool is_group(std::string_view path, const std::vector<CommandSpec>& table) {
  return std::any_of(table.begin(), table.end(),
                     [&](const CommandSpec& c) { return c.path != path && under(c.path, path); });
}

const CommandSpec* find_command(std::string_view path, const std::vector<CommandSpec>& table) {
  for (const auto& c : table) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

// Consumes argv[i] (and its value) when it is one of specs; false when it is not.
bool consume_option(const std::vector<std::string>& argv, std::size_t& i,
                    const std::vector<OptionSpec>& specs, ParsedArgs& out,
                    const std::string& path) {
  const std::string& arg = argv[i];
  // "-n" is the option whose short name is 'n', as if its long name were given.
  const bool is_short = arg.size() == 2 && arg[0] == '-' && arg[1] != '-';
  if (!arg.starts_with("--") && !is_short) return false;
  const auto eq = is_short ? std::string::npos : arg.find('=');
  const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) {
    return is_short ? s.short_name != 0 && s.short_name == arg[1]
                    : s.name == arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
  });
  if (spec == specs.end()) return false;
  const std::string& name = spec->name;
  if (spec->value_name.empty()) {
    if (eq != std::string::npos) throw UsageError("option --" + name + " takes no value", path);
    out.set_flag(name);
    i += 1;
    return true;
  }
  if (!spec->repeatable && out.has(name)) {
    throw UsageError("option --" + name + " given more than once", path);
  }
  const std::string missing = "option --" + name + " needs a value (" + spec->value_name + ")";
  if (eq != std::string::npos) {
    std::string v = arg.substr(eq + 1);
    if (v.empty()) throw UsageError(missing, path);
    out.add_value(name, std::move(v));
    i += 1;
    return true;
  }
  // A following "--word" is another option, not this one's value; "-5" is a value.
  if (i + 1 >= argv.size() || argv[i + 1].starts_with("--")) throw UsageError(missing, path);
  out.add_value(name, argv[i + 1]);
  i += 2;
  return true;
}

std::string option_name(const std::string& arg) {
  return arg.substr(0, arg.find('='));
}

void apply_globals(const ParsedArgs& g, GlobalOptions& out, const std::string& path) {
  if (g.has("socket") && g.has("target")) {
    throw UsageError("--socket and --target exclude each other", path);
  }
  if (auto v = g.value("socket")) out.socket = *v;
  if (auto v = g.value("target")) out.target = *v;
  out.json = g.has("json");
  for (auto [name, field] :
       {std::pair{"tls-ca", &out.tls_ca}, std::pair{"tls-cert", &out.tls_cert},
        std::pair{"tls-key", &out.tls_key}, std::pair{"tls-server-name", &out.tls_server_name}}) {
    if (auto v = g.value(name)) {
      if (out.target.empty()) throw UsageError(std::string("--") + name + " is for --target", path);
      *field = *v;
    }
  }
  if (out.tls_cert.empty() != out.tls_key.empty()) {
    throw UsageError("--tls-cert and --tls-key go together", path);
  }
  if ((!out.tls_cert.empty() || !out.tls_server_name.empty()) && out.tls_ca.empty()) {
    throw UsageError("TLS needs --tls-ca, the CA that signed dermad's certificate", path);
  }
}

std::string option_left(const OptionSpec& o) {
  std::string s =
      (o.short_name ? std::string("-") + o.short_name + ", " : std::string()) + "--" + o.name;
  if (!o.value_name.empty()) s += " " + o.value_name;
  return s;
}

std::string option_right(const OptionSpec& o) {
  std::string s = o.help;
  if (o.required) s += " (required)";
  if (o.repeatable) s += " (repeatable)";
  if (!o.default_text.empty()) s += " (default: " + o.default_text + ")";
  return s;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Two aligned columns, left column as wide as its widest entry.
// A left column wider than this goes on a line of its own, its text below it, so one long
// usage does not push every description off an 80-column terminal.
constexpr std::size_t kMaxLeft = 28;

std::string columns(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& r : rows) {
    if (r.first.size() <= kMaxLeft) width = std::max(width, r.first.size());
  }
  std::string out;
  for (const auto& [left, right] : rows) {
    if (left.size() > kMaxLeft) {
      out += "  " + left + "\n" + std::string(width + 4, ' ') + right + "\n";
    } else {
      out += "  " + pad(left, width + 2) + right + "\n";
    }
  }
  return out;
}

std::string option_rows(const std::vector<OptionSpec>& options, bool with_help) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : options) rows.emplace_back(option_left(o), option_right(o));
  if (with_help) rows.emplace_back("-h, --help", "show this help and exit");
  return columns(rows);
}

std::string command_rows(std::string_view path, const std::vector<CommandSpec>& table) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& c : table) {
    if (!under(c.path, path)) continue;
    std::string usage = c.path;
    for (const auto& o : c.options) {
      if (o.required) usage += " " + option_left(o);
    }
    if (!c.positionals.empty()) usage += " " + c.positionals;
    rows.emplace_back(usage, c.summary);
  }
  return columns(rows);
}

// The words that may follow `path`: the next word of every command under it.
std::vector<std::string> next_words(std::string_view path, const std::vector<CommandSpec>& table) {
  std::vector<std::string> out;
  for (const auto& c : table) {
    if (c.path == path || !under(c.path, path)) continue;
    const std::string_view rest =
        std::string_view(c.path).substr(path.empty() ? 0 : path.size() + 1);
    std::string word(rest.substr(0, rest.find(' ')));
    if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(std::move(word));
  }
  return out;
}

std::string option_hint(const std::string& arg, const std::vector<OptionSpec>& a,
                        const std::vector<OptionSpec>& b = {}) {
  if (!arg.starts_with("--")) return "";
  std::vector<std::string> names;
  for (const auto* specs : {&a, &b}) {
    for (const auto& o : *specs) names.push_back(o.name);
  }
  names.push_back("help");
  const auto eq = arg.find('=');
  return did_you_mean(arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2), names,
                      "--");
}

// "unknown command 'sim fualt'; did you mean 'sim fault'?"
UsageError unknown_command(const std::string& path, const std::string& word,
                           const std::vector<CommandSpec>& table) {
  return UsageError("unknown command '" + join(path, word) + "'" +
                        did_you_mean(word, next_words(path, table), path.empty() ? "" : path + " "),
                    path);
}

constexpr std::string_view kGlobalsHint =
    "global options (before the command or among its options): --socket PATH, "
    "--target HOST:PORT, --tls-*, --json; see dermactl --help\n";

}  // namespace

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates,
                         std::string_view prefix) {
  const std::string best = closest_word(typed, candidates);
  return best.empty() ? "" : "; did you mean '" + std::string(prefix) + best + "'?";
}

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<OptionSpec> global_option_specs(const std::string& default_socket) {
  return {
      {"socket", "PATH", "Unix socket of dermad", default_socket},
      {"target", "HOST:PORT", "reach dermad over TCP instead (TLS with --tls-ca)", ""},
      {"tls-ca", "FILE", "with --target: verify dermad's certificate against this CA (PEM)", ""},
      {"tls-cert", "FILE", "with --target: this client's certificate, for mutual TLS", ""},
      {"tls-key", "FILE", "with --target: its private key", ""},
      {"tls-server-name", "NAME", "with --target: the name in dermad's certificate", ""},
      {"json", "", "print JSON (one object per line) instead of text", ""},
      {"version", "", "print dermactl's version and exit", ""},
  };
}

CommandLine parse_command_line(const std::vector<std::string>& argv_in,
                               const std::vector<CommandSpec>& table,
                               const std::string& default_socket) {
  // `dermactl help [COMMAND...]` is `dermactl [COMMAND...] --help`.
  std::vector<std::string> argv = argv_in;
  if (!argv.empty() && argv.front() == "help") {
    argv.erase(argv.begin());
    argv.push_back("--help");
  }
  CommandLine cl;
  if (std::find(argv.begin(), argv.end(), "--version") != argv.end()) {
    cl.help_text = std::string("dermactl ") + DERMAD_VERSION + "\n";
    return cl;
  }
  cl.globals.socket = default_socket;
  const auto globals = global_option_specs(default_socket);
  ParsedArgs given_globals;
  bool help = false;
  std::string path;
  std::size_t i = 0;

  // Global options and subcommand words, until the words stop naming a command.
  while (i < argv.size()) {
    const std::string& a = argv[i];
    if (looks_like_option(a)) {
      if (is_help(a)) {
        help = true;
        ++i;
        continue;
      }
      if (consume_option(argv, i, globals, given_globals, path)) continue;
      if (find_command(path, table)) break;
      throw UsageError("unknown option " + option_name(a) + option_hint(a, globals), path);
    }
    const std::string next = join(path, a);
    if (!is_node(next, table)) break;
    path = next;
    ++i;
  }

  const CommandSpec* cmd = find_command(path, table);
  if (!cmd) {
    if (help && i < argv.size() && !looks_like_option(argv[i])) {
      throw unknown_command(path, argv[i], table);
    }
    if (help) {
      cl.help_text = path.empty() ? top_help(table, default_socket) : group_help(path, table);
      return cl;
    }
    if (i == argv.size()) {
      throw UsageError(path.empty() ? "missing command" : "'" + path + "' needs a subcommand",
                       path);
    }
    throw unknown_command(path, argv[i], table);
  }

  // Help anywhere among the command's options wins over mistakes in the others.
  for (std::size_t k = i; k < argv.size() && argv[k] != "--"; ++k) help = help || is_help(argv[k]);
  if (help) {
    cl.help_text = command_help(*cmd, table);
    return cl;
  }

  bool options_ended = false;
  while (i < argv.size()) {
    const std::string& a = argv[i];
    if (!options_ended && a == "--") {
      options_ended = true;
      ++i;
      continue;
    }
    if (!options_ended && looks_like_option(a)) {
      if (consume_option(argv, i, cmd->options, cl.args, path)) continue;
      if (consume_option(argv, i, globals, given_globals, path)) continue;
      throw UsageError("unknown option " + option_name(a) + " for '" + path + "'" +
                           option_hint(a, cmd->options, globals),
                       path);
    }
    if (cmd->positionals.empty()) {
      if (is_group(path, table)) throw unknown_command(path, a, table);
      throw UsageError("unexpected argument '" + a + "'", path);
    }
    cl.args.add_positional(a);
    ++i;
  }
  for (const auto& o : cmd->options) {
    if (o.required && !cl.args.has(o.name)) {
      throw UsageError("missing required option --" + o.name + " " + o.value_name, path);
    }
  }
  apply_globals(given_globals, cl.globals, path);
  cl.command = cmd;
  return cl;
}

std::string top_help(const std::vector<CommandSpec>& table, const std::string& default_socket) {
  std::string out =
      "usage: dermactl [global options] <command> [options]\n\n"
      "Service tool of dermad, the microneedling pen daemon.\n\n"
      "global options:\n";
  auto globals = global_option_specs(default_socket);
  out += option_rows(globals, true);
  out += "\ncommands:\n" + command_rows("", table);
  out +=
      "\n`dermactl <command> --help` or `dermactl help <command>` explains a command.\n"
      "environment: DERMACTL_SOCKET sets the default of --socket.\n"
      "exit status: 0 done, 2 bad usage, 3 refused by dermad, 4 dermad unreachable\n";
  return out;
}

std::string command_help(const CommandSpec& spec, const std::vector<CommandSpec>& table) {
  std::string usage = "usage: dermactl [global options] " + spec.path;
  bool has_optional = false;
  for (const auto& o : spec.options) {
    if (o.required) {
      usage += " " + option_left(o);
    } else {
      has_optional = true;
    }
  }
  if (has_optional) usage += " [options]";
  if (!spec.positionals.empty()) usage += " " + spec.positionals;

  std::string out = usage + "\n\n" + spec.summary + "\n";
  if (!spec.details.empty()) out += "\n" + spec.details + "\n";
  out += "\noptions:\n" + option_rows(spec.options, true);
  if (is_group(spec.path, table)) {
    std::vector<CommandSpec> subs;
    for (const auto& c : table) {
      if (c.path != spec.path && under(c.path, spec.path)) subs.push_back(c);
    }
    out += "\nsubcommands:\n" + command_rows(spec.path, subs);
  }
  out += "\n" + std::string(kGlobalsHint);
  return out;
}

std::string group_help(std::string_view path, const std::vector<CommandSpec>& table) {
  std::string out = "usage: dermactl [global options] " + std::string(path) +
                    " <subcommand> [options]\n\nsubcommands:\n" + command_rows(path, table);
  out += "\n`dermactl " + std::string(path) + " <subcommand> --help` explains a subcommand.\n";
  out += std::string(kGlobalsHint);
  return out;
}

}  // namespace dermad::ctl
