#include <gtest/gtest.h>

#include <sstream>

#include <string>
#include <vector>

#include "tools/dermactl/render.hpp"

namespace dermad::ctl {
namespace {

v1::Status sample_status() {
  v1::Status s;
  s.set_state(v1::STATE_ESTOP);
  s.set_t_ns(12'000'000'000);
  s.set_depth_target_um(800);
  s.set_depth_um(-3);
  s.set_speed_target_hz(100.0);
  s.set_speed_hz(99.5);
  s.set_motor_duty(0.25);
  s.set_motor_current_ma(120.0);
  s.set_force_n(1.5);
  s.set_temperature_c(31.0);
  s.set_supply_v(12.0);
  s.mutable_inputs()->set_estop(true);
  s.mutable_inputs()->set_cartridge_present(true);
  s.set_homed(true);
  s.set_strokes(18'446'744'073'709'551'615ULL);
  s.set_service_remaining_ms(0);
  auto* a = s.add_alarms();
  a->set_code("ESTOP");
  a->set_priority(v1::ALARM_PRIORITY_HIGH);
  a->set_since_ns(2'000'000'000);
  a->set_text("emergency stop \"pressed\"");
  a->set_latched(true);
  a->set_condition_active(true);
  auto* l = s.mutable_loop();
  l->set_ticks(12000);
  l->set_overruns(1);
  l->set_late_p50_us(10);
  l->set_late_p99_us(40);
  l->set_late_max_us(300);
  l->set_period_us(1000);
  return s;
}

TEST(DermactlRender, StateAndPriorityNames) {
  EXPECT_EQ(state_name(v1::STATE_IDLE), "IDLE");
  EXPECT_EQ(state_name(v1::STATE_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(state_name(static_cast<v1::State>(42)), "UNKNOWN_42");
  EXPECT_EQ(priority_name(v1::ALARM_PRIORITY_HIGH), "high");
  EXPECT_EQ(priority_name(v1::ALARM_PRIORITY_MEDIUM), "medium");
  EXPECT_EQ(priority_name(v1::ALARM_PRIORITY_LOW), "low");
}

TEST(DermactlRender, StatusJsonHasEveryKeyWithItsType) {
  const Json j = status_json(sample_status());
  const std::vector<std::string> integers = {"t_ns",
                                             "depth_target_um",
                                             "depth_um",
                                             "strokes",
                                             "service_remaining_ms",
                                             "loop_ticks",
                                             "loop_overruns",
                                             "loop_missed_periods",
                                             "loop_late_p50_us",
                                             "loop_late_p99_us",
                                             "loop_late_max_us",
                                             "loop_period_us"};
  const std::vector<std::string> doubles = {"speed_target_hz",  "speed_hz", "motor_duty",
                                            "motor_current_ma", "force_n",  "temperature_c",
                                            "supply_v"};
  const std::vector<std::string> bools = {"motor_enabled",     "trigger",     "pedal", "estop",
                                          "cartridge_present", "home_switch", "homed"};
  for (const auto& k : integers) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j.at(k).is_number_integer()) << k;
  }
  for (const auto& k : doubles) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j.at(k).is_number_float()) << k;
  }
  for (const auto& k : bools) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j.at(k).is_boolean()) << k;
  }
  EXPECT_EQ(dump(j.at("state")), "\"ESTOP\"");

  const Json& alarms = j.at("alarms");
  ASSERT_TRUE(alarms.is_array());
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(dump(alarms.at(0)),
            "{\"code\":\"ESTOP\",\"priority\":\"high\",\"since\":2000000000,"
            "\"text\":\"emergency stop \\\"pressed\\\"\",\"latched\":true,"
            "\"condition_active\":true}");

  const std::string line = dump(j);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"strokes\":18446744073709551615"), std::string::npos);
  EXPECT_NE(line.find("\"depth_um\":-3"), std::string::npos);
  EXPECT_NE(line.find("\"motor_duty\":0.25"), std::string::npos);
  EXPECT_NE(line.find("\"speed_target_hz\":100.0"), std::string::npos);
}

TEST(DermactlRender, SampleJsonHasEveryKey) {
  v1::TelemetrySample s;
  s.set_tick(7);
  s.set_state(v1::STATE_RUNNING);
  s.set_loop_late_us(12);
  s.set_dropped(3);
  const Json j = sample_json(s);
  for (const char* k : {"t_ns",
                        "tick",
                        "state",
                        "depth_target_um",
                        "depth_um",
                        "speed_target_hz",
                        "speed_hz",
                        "motor_duty",
                        "motor_enabled",
                        "motor_current_ma",
                        "force_n",
                        "temperature_c",
                        "supply_v",
                        "trigger",
                        "pedal",
                        "estop",
                        "cartridge_present",
                        "home_switch",
                        "alarms",
                        "loop_late_us",
                        "dropped"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(dump(j.at("state")), "\"RUNNING\"");
  EXPECT_TRUE(j.at("dropped").is_number_integer());
  EXPECT_TRUE(j.at("alarms").is_array());
}

TEST(DermactlRender, InfoJsonUsesProtoFieldNames) {
  v1::DeviceInfo info;
  info.set_version("0.1.0");
  info.set_realtime_note("no CAP_SYS_NICE");
  EXPECT_EQ(dump(info_json(info)),
            "{\"version\":\"0.1.0\",\"backend\":\"\",\"board\":\"\",\"loop_period_us\":0,"
            "\"tach_edges_per_rev\":0,\"depth_min_um\":0,\"depth_max_um\":0,"
            "\"speed_min_hz\":0.0,\"speed_max_hz\":0.0,\"realtime\":false,"
            "\"realtime_note\":\"no CAP_SYS_NICE\",\"serial\":\"\",\"hardware_revision\":\"\","
            "\"build\":\"\",\"uptime_s\":0,\"started_at\":\"\",\"protocols_path\":\"\","
            "\"protocols_sha256\":\"\",\"board_path\":\"\",\"state_dir\":\"\","
            "\"socket_path\":\"\"}");
}

TEST(DermactlRender, ErrorJsonSplitsReasons) {
  EXPECT_EQ(dump(error_json("FAILED_PRECONDITION", "no cartridge; e-stop pressed")),
            "{\"error\":{\"code\":\"FAILED_PRECONDITION\",\"message\":\"no cartridge; "
            "e-stop pressed\",\"reasons\":[\"no cartridge\",\"e-stop pressed\"]}}");
  EXPECT_EQ(dump(error_json("INTERNAL", "")),
            "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"\",\"reasons\":[]}}");
  EXPECT_EQ(split_reasons("one"), std::vector<std::string>{"one"});
}

TEST(DermactlRender, StatusTextShowsUnitsAndAlarms) {
  const std::string text = status_text(sample_status());
  for (const char* part : {"ESTOP", "800 um", "99.5 Hz", "25.0 %", "120.0 mA", "1.50 N", "31.0 °C",
                           "12.00 V", "e-stop PRESSED", "p50 10 us", "p99 40 us", "max 300 us",
                           "1 overruns", "12000 ticks", "HIGH", "10.000 s"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
}

TEST(DermactlRender, SampleLineIsOneLine) {
  v1::TelemetrySample s;
  s.add_alarms()->set_code("ESTOP");
  const std::string line = sample_line(s);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("ESTOP"), std::string::npos);
}

TEST(DermactlRender, TheLiveViewFitsItsTerminalAndHighlightsHighAlarms) {
  const std::string text = std::string(100, 'x') + "\n31.0 °C\n" +
                           "HIGH      ESTOP  1.0 s  latched, active  Emergency stop pressed\n" +
                           "MEDIUM    LINK_LOST\n";
  const std::string out = fit_terminal(text, 80, true);
  std::vector<std::string> rows;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 4u) << out;
  EXPECT_EQ(rows[0], std::string(79, 'x') + ">");
  EXPECT_EQ(rows[1], "31.0 °C");  // 7 characters in 8 bytes: not cut
  EXPECT_EQ(rows[2].rfind("\x1b[1;31mHIGH ", 0), 0u);
  EXPECT_EQ(rows[3], "MEDIUM    LINK_LOST");
  // Narrow, and without colour: a multi-byte character is never split.
  EXPECT_EQ(fit_terminal("ab°cdef", 4, false), "ab°>");
  EXPECT_EQ(fit_terminal("HIGH x", 80, false), "HIGH x");
}

}  // namespace
}  // namespace dermad::ctl
