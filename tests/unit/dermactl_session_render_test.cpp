// dermactl session output: summary and live-session JSON (keys and types), text, refusals.
#include <gtest/gtest.h>

#include <sstream>

#include <string>
#include <vector>

#include "tools/dermactl/errors.hpp"
#include "tools/dermactl/json.hpp"
#include "tools/dermactl/render_session.hpp"

namespace dermad::ctl {
namespace {

v1::SessionSummary sample_summary() {
  v1::SessionSummary s;
  s.set_session_id("S-42");
  s.set_protocol("general");
  s.set_started_at("2025-06-01T10:00:00Z");
  s.set_state(v1::SESSION_STATE_ENDED);
  s.set_ended_at("2025-06-01T10:20:00Z");
  s.set_run_s(95.5);
  auto* z = s.add_zones();
  z->set_zone("forehead");
  z->set_run_s(40.0);
  z = s.add_zones();
  z->set_zone("cheeks");
  z->set_run_s(55.5);
  s.set_strokes(11460);
  s.set_microchannels(137520);
  s.set_depth_mean_um(498.2);
  s.set_depth_worst_dev_um(12.0);
  s.set_speed_mean_hz(120.1);
  s.set_speed_worst_dev_hz(3.5);
  s.add_alarms("LINK_LOST");
  s.set_cartridge_serial("C-123");
  s.set_needles(12);
  auto* f = s.add_findings();
  f->set_rule("anticoagulants");
  f->set_severity(v1::FINDING_SEVERITY_ACKNOWLEDGE);
  f->set_reason("Anticoagulant taken 2 days ago");
  s.add_acknowledged("anticoagulants");
  auto* m = s.add_materials();
  m->set_name("prp");
  m->set_lot("L1");
  s.add_aftercare("No make-up for 24 hours");
  s.add_aftercare("Sunscreen SPF 50 for two weeks");
  s.set_operator_id("dr-a");
  s.set_patient_ref("P-17");
  s.set_active(false);
  return s;
}

std::vector<std::string> keys_of(const Json& v) {
  std::vector<std::string> keys;
  for (const auto& [k, _] : v.items()) keys.push_back(k);
  return keys;
}

TEST(DermactlSessionRender, SummaryJsonKeysAndTypes) {
  const Json j = summary_json(sample_summary());
  const std::string text = dump(j);
  // The proto's field names, in the proto's order.
  const std::vector<std::string> order = {"session_id",
                                          "protocol",
                                          "started_at",
                                          "ended_at",
                                          "run_s",
                                          "zones",
                                          "strokes",
                                          "microchannels",
                                          "depth_mean_um",
                                          "depth_worst_dev_um",
                                          "speed_mean_hz",
                                          "speed_worst_dev_hz",
                                          "alarms",
                                          "cartridge_serial",
                                          "needles",
                                          "findings",
                                          "acknowledged",
                                          "materials",
                                          "materials_missing",
                                          "aftercare",
                                          "operator_id",
                                          "patient_ref",
                                          "active",
                                          "state",
                                          "end_reason"};
  const auto doc = parse_json(text);
  ASSERT_TRUE(doc && doc->is_object());
  EXPECT_EQ(keys_of(*doc), order);

  for (const char* k : {"session_id", "protocol", "started_at", "ended_at", "cartridge_serial",
                        "operator_id", "patient_ref", "state", "end_reason"}) {
    EXPECT_TRUE(j.at(k).is_string()) << k;
  }
  for (const char* k : {"strokes", "microchannels", "needles"}) {
    EXPECT_TRUE(j.at(k).is_number_integer()) << k;
  }
  for (const char* k :
       {"run_s", "depth_mean_um", "depth_worst_dev_um", "speed_mean_hz", "speed_worst_dev_hz"}) {
    EXPECT_TRUE(j.at(k).is_number_float()) << k;
  }
  EXPECT_TRUE(j.at("active").is_boolean());
  EXPECT_EQ(doc->at("needles").get<double>(), 12.0);
  EXPECT_EQ(doc->at("microchannels").get<double>(), 137520.0);
  EXPECT_EQ(doc->at("ended_at").get<std::string>(), "2025-06-01T10:20:00Z");

  const auto& zones = doc->at("zones");
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(keys_of(zones.at(1)), (std::vector<std::string>{"zone", "run_s"}));
  EXPECT_EQ(zones.at(1).at("zone").get<std::string>(), "cheeks");
  EXPECT_EQ(zones.at(1).at("run_s").get<double>(), 55.5);
  EXPECT_EQ(doc->at("alarms").at(0).get<std::string>(), "LINK_LOST");
  const auto& finding = doc->at("findings").at(0);
  EXPECT_EQ(keys_of(finding), (std::vector<std::string>{"rule", "severity", "reason"}));
  EXPECT_EQ(finding.at("severity").get<std::string>(), "acknowledge");
  EXPECT_EQ(finding.at("rule").get<std::string>(), "anticoagulants");
  EXPECT_EQ(doc->at("acknowledged").at(0).get<std::string>(), "anticoagulants");
  const auto& material = doc->at("materials").at(0);
  EXPECT_EQ(keys_of(material), (std::vector<std::string>{"name", "lot"}));
  EXPECT_EQ(material.at("lot").get<std::string>(), "L1");
  EXPECT_EQ(doc->at("aftercare").size(), 2u);
  EXPECT_FALSE(doc->at("active").get<bool>());
}

TEST(DermactlSessionRender, EmptySummaryKeepsEveryKey) {
  const Json j = summary_json(v1::SessionSummary{});
  for (const char* k : {"zones", "alarms", "findings", "acknowledged", "materials", "aftercare"}) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j.at(k).is_array()) << k;
  }
  EXPECT_TRUE(j.at("ended_at").is_string());
}

TEST(DermactlSessionRender, SeverityWords) {
  EXPECT_EQ(severity_name(v1::FINDING_SEVERITY_BLOCK), "block");
  EXPECT_EQ(severity_name(v1::FINDING_SEVERITY_ACKNOWLEDGE), "acknowledge");
}

TEST(DermactlSessionRender, SummaryText) {
  const std::string t = summary_text(sample_summary());
  for (const char* part :
       {"S-42 (ended)", "general", "2025-06-01T10:00:00Z", "95.5 s in all", "forehead", "55.5 s",
        "11460", "137520", "mean 498.2 um, worst deviation 12.0 um",
        "mean 120.1 Hz, worst deviation 3.5 Hz", "LINK_LOST", "C-123, 12 needles",
        "acknowledge anticoagulants: Anticoagulant taken 2 days ago", "prp, lot L1", "dr-a", "P-17",
        "\naftercare:\n  - No make-up for 24 hours\n  - Sunscreen SPF 50 for two weeks\n"}) {
    EXPECT_NE(t.find(part), std::string::npos) << part << "\n" << t;
  }
  v1::SessionSummary running;
  running.set_session_id("S-1");
  running.set_active(true);
  const std::string r = summary_text(running);
  EXPECT_NE(r.find("S-1 (active)"), std::string::npos) << r;
  EXPECT_NE(r.find("not yet"), std::string::npos) << r;
  EXPECT_NE(summary_text(running, v1::STATE_ARMED).find("S-1 (ARMED: needles ready"),
            std::string::npos);
  EXPECT_NE(summary_text(running, v1::STATE_RUNNING).find("S-1 (RUNNING)"), std::string::npos);
  EXPECT_NE(summary_text(running, v1::STATE_ESTOP)
                .find("S-1 (active, needles stopped: the pen is ESTOP)"),
            std::string::npos);
}

TEST(DermactlSessionRender, MissingMaterialsStandOutInTheSummary) {
  auto s = sample_summary();
  EXPECT_EQ(summary_text(s).find("MATERIALS MISSING"), std::string::npos);
  s.clear_materials();
  s.add_materials_missing("botox");
  s.add_materials_missing("prp");
  const std::string t = summary_text(s);
  EXPECT_NE(t.find("MATERIALS MISSING  none recorded; the protocol records one of: botox, prp"),
            std::string::npos)
      << t;
  EXPECT_EQ(summary_json(s).at("materials_missing"), Json({"botox", "prp"}));
}

TEST(DermactlSessionRender, AnAbortedSessionSaysSoAndWhy) {
  v1::SessionSummary s = sample_summary();
  s.set_state(v1::SESSION_STATE_ABORTED);
  s.set_end_reason("dermad stopped without ending the session (crash or power cut)");
  const std::string t = summary_text(s);
  EXPECT_NE(t.find("S-42 (ABORTED)"), std::string::npos) << t;
  const auto why = t.find("\nwhy ");
  ASSERT_NE(why, std::string::npos) << t;
  EXPECT_LT(t.find("dermad stopped without ending", why), t.find('\n', why + 1)) << t;
  const Json j = summary_json(s);
  EXPECT_EQ(j.at("state"), "aborted") << dump(j);
  EXPECT_EQ(session_state_name(v1::SESSION_STATE_ENDED), "ended");
  EXPECT_EQ(session_state_name(v1::SESSION_STATE_ACTIVE), "active");
  EXPECT_EQ(session_state_name(v1::SESSION_STATE_UNSPECIFIED), "unspecified");
}

TEST(DermactlSessionRender, SessionsTableHasAHeaderAndAlignedRows) {
  v1::ListSessionsResponse r;
  EXPECT_EQ(sessions_table(r), "no sessions recorded in that time");
  *r.add_sessions() = sample_summary();
  auto* b = r.add_sessions();
  b->set_session_id("S-100000");
  b->set_state(v1::SESSION_STATE_ABORTED);
  b->set_protocol("prp");
  const std::string t = sessions_table(r);
  std::istringstream lines(t);
  std::vector<std::string> rows;
  for (std::string l; std::getline(lines, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 3u) << t;
  EXPECT_EQ(rows[0].rfind("SESSION ", 0), 0u) << t;
  // Every column starts where its header does.
  const auto col = rows[0].find("STATE");
  EXPECT_EQ(rows[1].substr(col, 5), "ended");
  EXPECT_EQ(rows[2].substr(col, 7), "aborted");
  EXPECT_NE(rows[1].find("C-123"), std::string::npos);
  EXPECT_NE(rows[2].find(" - "), std::string::npos) << "empty fields show a dash";
}

TEST(DermactlSessionRender, SessionInfoJsonKeysAndTypes) {
  v1::SessionInfo s;
  s.set_session_id("S-1");
  s.set_protocol("general");
  s.set_zone("nose");
  s.set_depth_um(300);
  s.set_speed_hz(100.0);
  s.set_state(v1::STATE_RUNNING);
  s.set_run_s(1.5);
  s.set_strokes(150);
  s.set_active(true);
  const Json j = session_info_json(s);
  EXPECT_EQ(dump(j),
            "{\"session_id\":\"S-1\",\"protocol\":\"general\",\"zone\":\"nose\","
            "\"depth_um\":300,\"speed_hz\":100.0,\"state\":\"RUNNING\",\"run_s\":1.5,"
            "\"strokes\":150,\"active\":true}");
  const std::string line = session_info_line(s);
  EXPECT_NE(line.find("RUNNING"), std::string::npos) << line;
  EXPECT_NE(line.find("300 um"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(session_info_text(s).find("strokes"), std::string::npos);
}

TEST(DermactlSessionRender, RefusalReasonsEachOnTheirOwnLine) {
  const grpc::Status st(grpc::StatusCode::FAILED_PRECONDITION,
                        "no cartridge; alarm ESTOP latched; screening: pregnancy");
  const auto r = describe_rpc_error(st, "unix:/x", false, true);
  EXPECT_EQ(r.exit_code, kExitRefused);
  EXPECT_EQ(r.stderr_line,
            "dermactl: refused: FAILED_PRECONDITION, 3 reasons:\n"
            "  - no cartridge\n  - alarm ESTOP latched\n  - screening: pregnancy\n");
  // One reason stays one line; the default stays as it was.
  EXPECT_EQ(describe_rpc_error({grpc::StatusCode::PERMISSION_DENIED, "not the owner"}, "unix:/x",
                               false, true)
                .stderr_line,
            "dermactl: refused: PERMISSION_DENIED: not the owner\n");
  EXPECT_EQ(describe_rpc_error(st, "unix:/x", false).stderr_line,
            "dermactl: refused: FAILED_PRECONDITION: " + st.error_message() + "\n");
  const auto json = describe_rpc_error(st, "unix:/x", true, true);
  EXPECT_NE(json.stdout_json.find("\"reasons\":[\"no cartridge\",\"alarm ESTOP latched\""),
            std::string::npos)
      << json.stdout_json;
}

}  // namespace
}  // namespace dermad::ctl
