#include "tests/integration/calibration_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

namespace dermad::test {

// Checks a calibration report as a browser needs it: every inline SVG is well-formed XML;
// prints how many plots and how many measured points (marks in the first plot).
const char* const kCheckReport = R"(
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg .*?</svg>", html, re.S)
ns = "{http://www.w3.org/2000/svg}"
plots = [ET.fromstring(s) for s in svgs]
print("%d plots, %d points" % (len(plots), len(plots[0].findall(ns + "circle")) if plots else 0))
)";

// `dermactl ARGS` with a person at its prompts: whenever it asks for a gauge reading (on
// standard error), `answer` is told which prompt (1-based) and gives the line to type, or
// nullopt to type nothing and wait (the pen may end the calibration meanwhile).
CommandResult run_wizard(const std::vector<std::string>& args,
                         const std::function<std::optional<std::string>(int)>& answer) {
  int in[2], err[2];
  if (pipe(in) != 0 || pipe(err) != 0) return {};
  char out_tmpl[] = "/tmp/dermad-wizard-out-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out_fd, 1);
    dup2(err[1], 2);
    close(in[1]);
    close(err[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(err[1]);
  CommandResult r;
  std::string pending;
  int prompts = 0;
  for (;;) {
    pollfd fd{err[0], POLLIN, 0};
    if (poll(&fd, 1, 30'000) <= 0) break;  // a wizard silent for 30 s is stuck: fail below
    char buf[256];
    const ssize_t n = read(err[0], buf, sizeof buf);
    if (n <= 0) break;
    r.err.append(buf, static_cast<std::size_t>(n));
    pending.append(buf, static_cast<std::size_t>(n));
    if (pending.find("(q to abort): ") == std::string::npos) continue;
    pending.clear();
    if (const auto line = answer(++prompts)) {
      const std::string typed = *line + "\n";
      if (write(in[1], typed.data(), typed.size()) < 0) break;
    }
  }
  close(in[1]);
  close(err[0]);
  // Its standard error is closed: it is exiting, or stuck with it closed for 5 s.
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 500 && !exited; ++i) {
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(10ms);
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r.err += "\n[the wizard hung and was killed]";
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream f(out_tmpl);
  r.out.assign(std::istreambuf_iterator<char>(f), {});
  unlink(out_tmpl);
  return r;
}

}  // namespace dermad::test
