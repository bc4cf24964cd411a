// dermactl session: options, requests and the session file, without a daemon.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/command_specs.hpp"
#include "tools/dermactl/session_args.hpp"
#include "tools/dermactl/session_file.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {
namespace {

namespace fs = std::filesystem;

const std::string kPath = "session start";

CommandLine parse(const std::vector<std::string>& argv) {
  return parse_command_line(argv, command_specs(), "/run/test/dermad.sock");
}

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "dermactl-session-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Sets (or, with nullopt, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(DermactlSession, RepeatedOptionsKeepEveryValueInOrder) {
  const auto cl = parse(
      {"session", "update", "--material", "prp:L1", "--material=serum:L2", "--zone", "cheeks"});
  ASSERT_NE(cl.command, nullptr);
  EXPECT_EQ(cl.command->path, "session update");
  EXPECT_EQ(cl.args.values("material"), (std::vector<std::string>{"prp:L1", "serum:L2"}));
  EXPECT_EQ(cl.args.value("material"), "serum:L2");
  EXPECT_EQ(cl.args.values("zone"), std::vector<std::string>{"cheeks"});
  EXPECT_TRUE(cl.args.values("depth-um").empty());
}

TEST(DermactlSession, OnlyRepeatableOptionsMayRepeat) {
  EXPECT_THROW(parse({"session", "update", "--zone", "nose", "--zone", "chin"}), UsageError);
  EXPECT_THROW(parse({"jog", "--depth-um", "300", "--depth-um", "900", "--speed-hz", "100",
                      "--duration-ms", "10"}),
               UsageError);
  EXPECT_THROW(parse({"--socket", "/a", "status", "--socket", "/b"}), UsageError);
  // Flags may still be given twice: they mean the same either way.
  EXPECT_TRUE(parse({"--json", "status", "--json"}).globals.json);
}

TEST(DermactlSession, HelpNamesTheCommandsAndRepeatableOptions) {
  const auto top = parse({"--help"}).help_text;
  for (const char* c :
       {"session start", "session update", "session attach", "session end", "session show"}) {
    EXPECT_NE(top.find(c), std::string::npos) << c;
  }
  const auto start = parse({"session", "start", "--help"}).help_text;
  EXPECT_NE(start.find("--ack RULE"), std::string::npos) << start;
  EXPECT_NE(start.find("(repeatable)"), std::string::npos) << start;
  EXPECT_NE(start.find("micrometres (um)"), std::string::npos) << start;
  const auto attach = parse({"session", "attach", "--help"}).help_text;
  EXPECT_NE(attach.find("(default: 0)"), std::string::npos) << attach;
  EXPECT_NE(parse({"session", "--help"}).help_text.find("session show"), std::string::npos);
}

TEST(DermactlSession, MaterialNeedsNameAndLot) {
  const auto m = parse_material("prp:LOT-7", kPath);
  EXPECT_EQ(m.name(), "prp");
  EXPECT_EQ(m.lot(), "LOT-7");
  // Lots may hold ':'; material names do not.
  const auto colon = parse_material("serum:A:12", kPath);
  EXPECT_EQ(colon.name(), "serum");
  EXPECT_EQ(colon.lot(), "A:12");
  for (const char* bad : {"prp", "prp:", ":LOT-7", ":", ""}) {
    try {
      parse_material(bad, kPath);
      ADD_FAILURE() << bad;
    } catch (const UsageError& e) {
      EXPECT_EQ(e.command(), kPath);
      EXPECT_NE(std::string(e.what()).find("NAME:LOT"), std::string::npos);
    }
  }
}

TEST(DermactlSession, StartRequestFromOptions) {
  TempDir dir;
  const auto answers = dir.path() / "answers.json";
  write_text(answers, R"({"consultation_done": true, "anticoagulant_last_dose": "2025-01-02"})");
  const auto cl = parse({"session",      "start",          "--protocol", "general",        "--zone",
                         "cheeks",       "--depth-um",     "1000",       "--speed-hz",     "120.5",
                         "--answers",    answers.string(), "--ack",      "anticoagulants", "--ack",
                         "sun-exposure", "--operator",     "dr-a",       "--patient",      "P-17",
                         "--material",   "prp:L1",         "--material", "serum:L2"});
  const auto req = start_request(cl.args, kPath);
  EXPECT_EQ(req.protocol(), "general");
  EXPECT_EQ(req.zone(), "cheeks");
  EXPECT_EQ(req.depth_um(), 1000);
  EXPECT_EQ(req.speed_hz(), 120.5);
  EXPECT_TRUE(req.answers().consultation_done());
  EXPECT_FALSE(req.answers().pregnant());
  EXPECT_EQ(req.answers().anticoagulant_last_dose(), "2025-01-02");
  ASSERT_EQ(req.acknowledged_size(), 2);
  EXPECT_EQ(req.acknowledged(0), "anticoagulants");
  EXPECT_EQ(req.acknowledged(1), "sun-exposure");
  EXPECT_EQ(req.operator_id(), "dr-a");
  EXPECT_EQ(req.patient_ref(), "P-17");
  ASSERT_EQ(req.materials_size(), 2);
  EXPECT_EQ(req.materials(0).name(), "prp");
  EXPECT_EQ(req.materials(0).lot(), "L1");
  EXPECT_EQ(req.materials(1).name(), "serum");
  EXPECT_EQ(req.materials(1).lot(), "L2");
}

TEST(DermactlSession, StartRequestRefusesMalformedValues) {
  TempDir dir;
  const auto answers = dir.path() / "answers.json";
  write_text(answers, "{}");
  const std::vector<std::string> base = {"session", "start", "--protocol", "general",
                                         "--zone",  "nose",  "--answers",  answers.string()};
  auto with = [&](std::vector<std::string> extra) {
    auto argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return parse(argv);
  };
  EXPECT_NO_THROW(start_request(with({"--depth-um", "300", "--speed-hz", "100"}).args, kPath));
  EXPECT_THROW(start_request(with({"--depth-um", "0.3", "--speed-hz", "100"}).args, kPath),
               UsageError);
  EXPECT_THROW(start_request(with({"--depth-um", "300", "--speed-hz", "fast"}).args, kPath),
               UsageError);
  EXPECT_THROW(
      start_request(with({"--depth-um", "300", "--speed-hz", "100", "--material", "prp"}).args,
                    kPath),
      UsageError);
  EXPECT_THROW(
      start_request(with({"--depth-um", "300", "--speed-hz", "100", "--ack", ""}).args, kPath),
      UsageError);
  write_text(answers, R"({"pregnant": "no"})");
  EXPECT_THROW(start_request(with({"--depth-um", "300", "--speed-hz", "100"}).args, kPath),
               UsageError);
  fs::remove(answers);
  EXPECT_THROW(start_request(with({"--depth-um", "300", "--speed-hz", "100"}).args, kPath),
               UsageError);
}

TEST(DermactlSession, AnswersFromStandardInput) {
  std::istringstream in(R"({"pregnant": true})");
  auto* old = std::cin.rdbuf(in.rdbuf());
  const std::string text = read_input("-", "--answers", kPath);
  std::cin.rdbuf(old);
  EXPECT_TRUE(parse_answers(text, kPath).pregnant());
}

TEST(DermactlSession, UpdateRequestNeedsAChange) {
  EXPECT_THROW(update_request(parse({"session", "update"}).args, "session update"), UsageError);
  // 0 means "leave as it is" to the API, so a typed 0 would silently change nothing.
  EXPECT_THROW(update_request(parse({"session", "update", "--depth-um", "0"}).args, "u"),
               UsageError);
  EXPECT_THROW(update_request(parse({"session", "update", "--speed-hz", "0"}).args, "u"),
               UsageError);
  const auto req = update_request(
      parse({"session", "update", "--depth-um", "450", "--material", "prp:L9"}).args, "u");
  EXPECT_EQ(req.depth_um(), 450);
  EXPECT_TRUE(req.zone().empty());
  EXPECT_EQ(req.speed_hz(), 0.0);
  ASSERT_EQ(req.materials_size(), 1);
  EXPECT_EQ(req.materials(0).lot(), "L9");
  EXPECT_TRUE(req.owner_token().empty());
}

TEST(DermactlSession, FilePathFromTheEnvironment) {
  ScopedEnv file("DERMACTL_SESSION_FILE", "/tmp/x/s.json");
  EXPECT_EQ(session_file_path(), fs::path("/tmp/x/s.json"));
  ScopedEnv no_file("DERMACTL_SESSION_FILE", std::nullopt);
  ScopedEnv state("XDG_STATE_HOME", "/var/state");
  ScopedEnv home("HOME", "/home/ann");
  EXPECT_EQ(session_file_path(), fs::path("/var/state/dermactl/session.json"));
  ScopedEnv relative_state("XDG_STATE_HOME", "state");  // ignored, as the XDG spec says
  EXPECT_EQ(session_file_path(), fs::path("/home/ann/.local/state/dermactl/session.json"));
  ScopedEnv no_state("XDG_STATE_HOME", std::nullopt);
  EXPECT_EQ(session_file_path(), fs::path("/home/ann/.local/state/dermactl/session.json"));
  ScopedEnv no_home("HOME", std::nullopt);
  EXPECT_THROW(session_file_path(), SessionFileError);
}

TEST(DermactlSession, FileWriteReadRemove) {
  TempDir dir;
  const fs::path file = dir.path() / "state" / "dermactl" / "session.json";
  ScopedEnv env("DERMACTL_SESSION_FILE", file.string());
  ASSERT_EQ(session_file_path(), file);
  EXPECT_EQ(read_session_file(file), std::nullopt);

  write_session_file(file, {"S-1", "tok-secret", "unix:/run/d.sock"});
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  auto r = read_session_file(file);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session_id, "S-1");
  EXPECT_EQ(r->owner_token, "tok-secret");
  EXPECT_EQ(r->target, "unix:/run/d.sock");

  // Replacing keeps the mode and leaves no temporary file behind.
  write_session_file(file, {"S-2", "tok-2", "localhost:50051"});
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(read_session_file(file)->session_id, "S-2");
  std::vector<fs::path> entries(fs::directory_iterator(file.parent_path()), {});
  EXPECT_EQ(entries, std::vector<fs::path>{file});

  EXPECT_TRUE(remove_session_file(file));
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(remove_session_file(file));
  EXPECT_EQ(read_session_file(file), std::nullopt);
}

TEST(DermactlSession, FileThatIsNotARecord) {
  TempDir dir;
  const fs::path file = dir.path() / "session.json";
  for (const char* text : {"", "not json", "[]", R"({"session_id": "S-1"})",
                           R"({"session_id": "S-1", "owner_token": 7, "target": ""})",
                           R"({"session_id": "S-1", "owner_token": "", "target": ""})"}) {
    write_text(file, text);
    EXPECT_THROW(read_session_file(file), SessionFileError) << text;
  }
}

}  // namespace
}  // namespace dermad::ctl
