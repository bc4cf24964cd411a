// report: one HTML file for a service ticket, read from every service dermad offers.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "tools/dermactl/atomic_file.hpp"
#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/report_html.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

// DeviceInfo's fields that describe how the pen is set up rather than which pen it is.
const char* const kConfigurationFields[] = {
    "loop_period_us", "tach_edges_per_rev", "depth_min_um",     "depth_max_um", "speed_min_hz",
    "speed_max_hz",   "protocols_path",     "protocols_sha256", "board_path",   "state_dir",
    "socket_path",    "realtime",           "realtime_note"};

std::string why(const grpc::Status& st) {
  return status_code_name(st.error_code()) + ": " + st.error_message();
}

// A ticket travels further than the pen's records: patient references stay on the pen.
Json withheld(Json details) {
  if (details.is_object() && details.contains("patient")) details["patient"] = "(withheld)";
  return details;
}

// The events as rows: what a person reads, not the chain's hashes and raw clocks.
Json event_rows(const std::vector<v1::LogEvent>& events) {
  Json rows = Json::array();
  for (const auto& e : events) {
    Json j = event_json(e);
    rows.push_back(Json{{"seq", j["seq"]},
                        {"time", j["time"]},
                        {"severity", j["severity"]},
                        {"kind", j["kind"]},
                        {"session_id", j["session_id"]},
                        {"details", withheld(j["details"])}});
  }
  return rows;
}

grpc::Status read_events(Client& client, const v1::ReadEventsRequest& req,
                         std::vector<v1::LogEvent>& out) {
  if (auto st = client.connect(); !st.ok()) return st;
  grpc::ClientContext cc;
  cc.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = client.log().ReadEvents(&cc, req);
  v1::LogEvent e;
  while (reader->Read(&e)) out.push_back(e);
  return reader->Finish();
}

}  // namespace

int run_report(Context& ctx, const ParsedArgs& args) {
  if (args.positionals().size() != 1) {
    throw UsageError("give the file to write (or - for standard output)", ctx.path());
  }
  const std::string file = args.positionals()[0];
  const int events = static_cast<int>(
      parse_integer(args.value("events").value_or("200"), "--events", ctx.path(), 0, 100'000));
  const int alarms = static_cast<int>(
      parse_integer(args.value("alarms").value_or("100"), "--alarms", ctx.path(), 0, 1000));
  Client& client = ctx.client();

  // Without the device's identity there is no report to speak of: fail as `info` would.
  v1::DeviceInfo info;
  auto st = client.unary([&](grpc::ClientContext* cc) {
    return client.device().GetDeviceInfo(cc, v1::GetDeviceInfoRequest{}, &info);
  });
  if (!st.ok()) return ctx.fail(st);

  Report report;
  report.title = "dermad service report: " + (info.serial().empty() ? "pen" : info.serial());
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  report.heading = {{"written at", utc_text(now_ns)},
                    {"written by", std::string("dermactl ") + DERMAD_VERSION},
                    {"device", client.target()},
                    {"patient references", "withheld"}};
  Json identity = info_json(info), configuration = Json::object();
  for (const char* field : kConfigurationFields) {
    configuration[field] = identity[field];
    identity.erase(field);
  }
  report.sections.push_back({"identity", "Identity", identity, ""});
  report.sections.push_back({"configuration", "Configuration", configuration, ""});

  // Every other section says why it is missing rather than failing the report.
  auto section = [&report](const char* id, const char* title, const grpc::Status& status,
                           Json content) {
    report.sections.push_back(
        {id, title, status.ok() ? std::move(content) : Json(), status.ok() ? "" : why(status)});
  };
  v1::Status status;
  st = client.unary([&](grpc::ClientContext* cc) {
    return client.device().GetStatus(cc, v1::GetStatusRequest{}, &status);
  });
  section("status", "Status", st, status_json(status));

  v1::Counters counters;
  st = client.unary([&](grpc::ClientContext* cc) {
    return client.log().GetCounters(cc, v1::GetCountersRequest{}, &counters);
  });
  section("counters", "Counters", st, counters_json(counters));

  v1::RecordsInfo records;
  st = client.unary([&](grpc::ClientContext* cc) {
    return client.log().GetRecordsInfo(cc, v1::GetRecordsInfoRequest{}, &records);
  });
  section("records", "Records", st, records_info_json(records));

  v1::VerifyLogResponse verified;
  st = client.unary([&](grpc::ClientContext* cc) {
    return client.log().VerifyLog(cc, v1::VerifyLogRequest{}, &verified);
  });
  section("verification", "Records' verification", st, verify_json(verified));
  const bool verified_ok = st.ok();
  const bool intact = st.ok() && verified.problems().empty();

  v1::ReadEventsRequest last_test;
  last_test.add_kinds("self_test");
  last_test.set_last(1);
  std::vector<v1::LogEvent> tests;
  st = read_events(client, last_test, tests);
  Json self_test = std::string("no self-test recorded");
  if (!tests.empty()) {
    self_test = Json{{"time", utc_text(tests[0].wall_ns())}};
    const Json d = event_json(tests[0])["details"];
    if (d.is_object()) self_test.update(d);
  }
  section("self-test", "Last self-test", st, self_test);

  v1::ListAlarmsRequest alarm_req;
  alarm_req.set_limit(static_cast<uint32_t>(alarms));
  v1::ListAlarmsResponse alarm_resp;
  if (alarms > 0) {
    st = client.unary([&](grpc::ClientContext* cc) {
      return client.log().ListAlarms(cc, alarm_req, &alarm_resp);
    });
  }
  Json alarm_rows = Json::array();
  for (const auto& a : alarm_resp.alarms()) alarm_rows.push_back(alarm_record_json(a));
  section("alarms", "Alarm history", alarms > 0 ? st : grpc::Status::OK, alarm_rows);

  std::vector<v1::LogEvent> recent;
  if (events > 0) {
    v1::ReadEventsRequest req;
    req.set_last(static_cast<uint32_t>(events));
    st = read_events(client, req, recent);
  }
  section("events", "Recent events", events > 0 ? st : grpc::Status::OK, event_rows(recent));

  std::vector<std::string> missing;
  for (const auto& s : report.sections) {
    if (!s.unavailable.empty()) missing.push_back(s.title + " (" + s.unavailable + ")");
  }
  const std::string page = report_html(report);
  if (file == "-") {
    std::cout << page << std::flush;
  } else {
    try {
      write_file_atomically(file, page, S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH);
    } catch (const FileError& e) {
      if (ctx.json()) ctx.print(error_json("FAILED", e.what()));
      std::cerr << "dermactl: " << e.what() << "\n";
      return kExitFailed;
    }
  }
  if (ctx.json()) {
    Json list = Json::array();
    for (const auto& m : missing) list.push_back(m);
    if (file != "-") {
      ctx.print(Json{
          {"report", file}, {"bytes", page.size()}, {"records_intact", intact}, {"missing", list}});
    }
  } else if (file != "-") {
    ctx.print("report written to " + file + " (" + std::to_string((page.size() + 1023) / 1024) +
              " KiB, " + std::to_string(report.sections.size() - missing.size()) + " of " +
              std::to_string(report.sections.size()) + " sections)");
    if (verified_ok && !intact) {
      ctx.print(std::string("the records are NOT intact: the report's verification says where"));
    }
  }
  for (const auto& m : missing) std::cerr << "dermactl: not in the report: " << m << "\n";
  return missing.empty() ? kExitOk : kExitFailed;
}

}  // namespace dermad::ctl
