// Roles on every call, through the real daemon: every RPC called by a viewer, a clinician
// and an engineer on the unix socket (peer credentials: the test, as root, runs a probe
// process as the unprivileged user 65534 with the groups of each role). The expected matrix
// is written out here as docs/API.md states it, independent of the daemon's own table.
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "dermad/v1/log.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

constexpr gid_t kClinicGid = 4242, kServiceGid = 4243, kNobody = 65534;

enum Role { kViewer, kClinician, kEngineer };

const std::map<std::string, Role> kExpected = {
    {"DeviceService.GetDeviceInfo", kViewer},
    {"DeviceService.GetStatus", kViewer},
    {"DeviceService.StreamTelemetry", kViewer},
    {"DeviceService.AcknowledgeAlarms", kClinician},
    {"TreatmentService.ListProtocols", kViewer},
    {"TreatmentService.ScreenPatient", kClinician},
    {"TreatmentService.StartSession", kClinician},
    {"TreatmentService.UpdateSession", kClinician},
    {"TreatmentService.ResumeSession", kClinician},
    {"TreatmentService.EndSession", kClinician},
    {"TreatmentService.GetSession", kClinician},
    {"TreatmentService.ListSessions", kClinician},
    {"TreatmentService.Link", kClinician},
    {"EngineeringService.Jog", kEngineer},
    {"EngineeringService.StopServiceRun", kEngineer},
    {"EngineeringService.SelfTest", kEngineer},
    {"EngineeringService.CalibrateDepth", kEngineer},
    {"EngineeringService.CalibrateSpeed", kEngineer},
    {"EngineeringService.CalibrateSensors", kEngineer},
    {"EngineeringService.SubmitGaugeReading", kEngineer},
    {"EngineeringService.AbortCalibration", kEngineer},
    {"EngineeringService.GetStagedCalibration", kEngineer},
    {"EngineeringService.CommitCalibration", kEngineer},
    {"EngineeringService.DiscardCalibration", kEngineer},
    {"EngineeringService.ListCalibrations", kEngineer},
    {"LogService.ReadEvents", kEngineer},
    {"LogService.VerifyLog", kEngineer},
    {"LogService.GetCounters", kViewer},
    {"LogService.GetRecordsInfo", kEngineer},
    {"LogService.ListAlarms", kClinician},
    {"LogService.ListCartridges", kClinician},
    {"LogService.AcceptRecords", kEngineer},
    {"Simulator.SetTrigger", kClinician},
    {"Simulator.SetPedal", kClinician},
    {"Simulator.SetEstop", kClinician},
    {"Simulator.InsertCartridge", kClinician},
    {"Simulator.RemoveCartridge", kClinician},
    {"Simulator.SetContactForce", kClinician},
    {"Simulator.SetFault", kClinician},
    {"Simulator.SetErrors", kClinician},
    {"Simulator.ReadGauge", kClinician},
};

// Runs `argv` as user 65534 with supplementary `groups`; returns its standard output.
std::string run_as_nobody(const std::vector<gid_t>& groups, std::vector<std::string> argv) {
  int out[2];
  if (pipe(out) != 0) return "";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    if (setgroups(groups.size(), groups.data()) != 0 || setgid(kNobody) != 0 ||
        setuid(kNobody) != 0) {
      _exit(126);
    }
    execv(a[0], a.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return text;
}

class Roles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    // The probe runs as another user: it needs to reach the socket and its own copy.
    chmod(daemon.state_dir().c_str(), 0711);
    probe_ = daemon.state_dir() + "/role_probe";
    std::filesystem::copy_file(ROLE_PROBE_BIN, probe_);
    chmod(probe_.c_str(), 0755);
  }

  // RPC -> "denied" or "admitted", as the probe saw them with `groups`.
  std::map<std::string, std::string> probe(const std::vector<gid_t>& groups) {
    std::map<std::string, std::string> seen;
    std::istringstream in(run_as_nobody(groups, {probe_, daemon.target()}));
    std::string rpc, code, verdict;
    while (in >> rpc >> code >> verdict) seen[rpc] = verdict;
    return seen;
  }

  void expect_matrix(Role role, const std::vector<gid_t>& groups) {
    const auto seen = probe(groups);
    ASSERT_EQ(seen.size(), kExpected.size()) << "the probe does not call every RPC";
    for (const auto& [rpc, min] : kExpected) {
      ASSERT_TRUE(seen.count(rpc)) << rpc;
      EXPECT_EQ(seen.at(rpc), role >= min ? "admitted" : "denied") << rpc << " as role " << role;
    }
  }

  DaemonProcess daemon{{"--clinic-group", std::to_string(kClinicGid), "--service-group",
                        std::to_string(kServiceGid)}};
  std::string probe_;
};

TEST_F(Roles, AnyoneElseMayOnlyReadStatusAndTelemetry) {
  expect_matrix(kViewer, {kNobody});
}

// A report made by someone who may not read the records is still a report: what they may
// see, and for the rest why not.
TEST_F(Roles, AViewersReportSaysWhichSectionsWereNotTheirsToRead) {
  const std::string ctl = daemon.state_dir() + "/dermactl";
  std::filesystem::copy_file(DERMACTL_BIN, ctl);
  chmod(ctl.c_str(), 0755);
  const std::string page =
      run_as_nobody({kNobody}, {ctl, "--socket", daemon.socket_path(), "report", "-"});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u) << page;
  const auto section = [&page](const std::string& id) {
    const auto at = page.find("<section id=\"" + id + "\">");
    return at == std::string::npos ? std::string()
                                   : page.substr(at, page.find("</section>", at) - at);
  };
  for (const char* theirs : {"identity", "configuration", "status", "counters"}) {
    EXPECT_NE(section(theirs).find("<table"), std::string::npos) << theirs << ": " << page;
  }
  for (const char* not_theirs : {"records", "verification", "self-test", "alarms", "events"}) {
    EXPECT_NE(section(not_theirs).find("not available: PERMISSION_DENIED"), std::string::npos)
        << not_theirs << ": " << page;
  }
}

TEST_F(Roles, TheClinicGroupTreatsButRunsNoServiceRunsNorReadsTheFullRecords) {
  expect_matrix(kClinician, {kClinicGid});
}

TEST_F(Roles, TheServiceGroupMayDoEverything) {
  expect_matrix(kEngineer, {kServiceGid});
}

TEST_F(Roles, ARefusedCallIsRecordedWithItsPeerAndRole) {
  probe({kNobody});
  auto log = v1::LogService::NewStub(daemon.channel());
  grpc::ClientContext ctx;
  v1::ReadEventsRequest req;
  req.set_limit(1000);
  auto r = log->ReadEvents(&ctx, req);
  v1::LogEvent e;
  int refused = 0;
  bool start_session_seen = false;
  while (r->Read(&e)) {
    if (e.kind() != "call_refused") continue;
    ++refused;
    EXPECT_NE(e.details().find(R"("peer":"unix uid 65534 pid )"), std::string::npos) << e.details();
    EXPECT_NE(e.details().find(R"("role":"viewer")"), std::string::npos) << e.details();
    start_session_seen |= e.details().find("TreatmentService.StartSession") != std::string::npos;
  }
  EXPECT_TRUE(r->Finish().ok());
  EXPECT_GE(refused, 10);
  EXPECT_TRUE(start_session_seen);
}

TEST_F(Roles, TheSocketIsOpenToAllAndTheRecordsToDermadAlone) {
  struct stat st {};
  ASSERT_EQ(stat(daemon.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666u);
  for (const char* f : {"/dermad.db", "/dermad.db-wal"}) {
    const std::string path = daemon.state_dir() + f;
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
}

}  // namespace
}  // namespace dermad::test
