#include "tools/dermactl/complete.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace dermad::ctl {

namespace {

std::vector<std::string> split_words(const std::string& path) {
  std::istringstream in(path);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The option `word` names ("--depth-um", "--depth-um=5", "-n"), among `specs`.
const OptionSpec* option_named(const std::string& word, const std::vector<OptionSpec>& specs) {
  std::string name;
  if (starts_with(word, "--")) {
    name = word.substr(
        2, word.find('=') == std::string::npos ? std::string::npos : word.find('=') - 2);
  }
  for (const auto& o : specs) {
    if ((!name.empty() && o.name == name) ||
        (word.size() == 2 && word[0] == '-' && o.short_name == word[1])) {
      return &o;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> completions(const std::vector<std::string>& words,
                                     const std::vector<CommandSpec>& table,
                                     const std::vector<OptionSpec>& globals) {
  if (words.empty()) return {};
  const std::string& current = words.back();
  // The subcommand words given so far (options and their values skipped), and the command
  // they name when they name one.
  std::vector<std::string> path;
  const CommandSpec* command = nullptr;
  bool value_next = false;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    if (value_next) {
      value_next = false;
      continue;
    }
    if (starts_with(w, "-")) {
      std::vector<OptionSpec> all = globals;
      if (command) all.insert(all.end(), command->options.begin(), command->options.end());
      const OptionSpec* o = option_named(w, all);
      value_next = o != nullptr && !o->value_name.empty() && w.find('=') == std::string::npos;
      continue;
    }
    if (command != nullptr && split_words(command->path).size() == path.size()) {
      bool deeper = false;  // a group may also be a command ("calibration" and "calibration show")
      for (const auto& spec : table) {
        const auto p = split_words(spec.path);
        deeper = deeper || (p.size() > path.size() &&
                            std::equal(path.begin(), path.end(), p.begin()) && p[path.size()] == w);
      }
      if (!deeper) continue;  // a positional
    }
    path.push_back(w);
    for (const auto& spec : table) {
      if (split_words(spec.path) == path) command = &spec;
    }
  }
  if (value_next) return {};
  std::set<std::string> out;
  if (starts_with(current, "-")) {
    for (const auto* specs : {&globals, command ? &command->options : nullptr}) {
      if (specs == nullptr) continue;
      for (const auto& o : *specs) {
        const std::string name = "--" + o.name;
        if (starts_with(name, current)) out.insert(name);
      }
    }
    if (starts_with("--help", current)) out.insert("--help");
  } else {
    for (const auto& spec : table) {
      const auto p = split_words(spec.path);
      if (p.size() > path.size() && std::equal(path.begin(), path.end(), p.begin()) &&
          starts_with(p[path.size()], current)) {
        out.insert(p[path.size()]);
      }
    }
    if (path.empty() && starts_with("help", current)) out.insert("help");
  }
  return {out.begin(), out.end()};
}

}  // namespace dermad::ctl
