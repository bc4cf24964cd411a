// calibrate depth and calibration show|history|commit|discard: EngineeringService's
// calibration calls (docs/CALIBRATION.md).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tools/dermactl/atomic_file.hpp"
#include "tools/dermactl/calibration_report.hpp"
#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

// --points 0,250,500: each a whole number of micrometres.
std::vector<int32_t> parse_points(const std::string& text, const std::string& path) {
  std::vector<int32_t> out;
  std::stringstream in(text);
  for (std::string one; std::getline(in, one, ',');) {
    out.push_back(static_cast<int32_t>(parse_integer(one, "--points", path, 0, 100000)));
  }
  return out;
}

// Gauge readings for --readings FILE: one number (um) per line, in the order of the points;
// blank lines and lines starting with '#' are skipped.
std::vector<double> parse_readings(const std::string& text, const std::string& path) {
  std::vector<double> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    out.push_back(parse_number(line.substr(first, last - first + 1), "--readings", path));
  }
  return out;
}

Json calibration_json(const v1::Calibration& c) {
  Json j = {{"kind", c.kind()}, {"by", c.by()}, {"summary", c.summary()}};
  if (c.id() != 0) {
    j["id"] = c.id();
    j["committed"] = utc_text(c.wall_ns());
    j["due"] = utc_text(c.due_wall_ns());
    j["past_due"] = c.due();
  } else {
    j["staged"] = utc_text(c.wall_ns());
  }
  j["data"] = parse_json(c.data_json()).value_or(Json::object());
  return j;
}

// The points of a depth calibration's data as a table a person checks against the gauge.
void print_depth_points(Context& ctx, const std::string& data_json) {
  const auto data = parse_json(data_json);
  if (!data || !data->is_object() || !data->contains("points") || !data->at("points").is_array() ||
      data->at("points").empty()) {
    return;
  }
  // The device's figures, shown as "nan" where one is not a number (an edited record).
  const auto number = [](const Json& p, const char* key) {
    return p.is_object() && p.contains(key) && p[key].is_number() ? p[key].get<double>() : NAN;
  };
  ctx.print(std::string("  STOP_UM  SENSOR_UM  GAUGE_UM  RESIDUAL_UM  BEFORE_UM"));
  for (const auto& p : data->at("points")) {
    char line[128];
    std::snprintf(line, sizeof line, "  %7.0f  %9.1f  %8.1f  %11.1f  %9.1f",
                  number(p, "commanded_um"), number(p, "sensor_um"), number(p, "gauge_um"),
                  number(p, "residual_um"), number(p, "error_before_um"));
    ctx.print(std::string(line));
  }
}

// --report FILE: the calibration as a page a person opens in a browser. False (said on
// stderr) when the file cannot be written.
bool write_report(const ParsedArgs& args, const v1::Calibration& c) {
  const auto path = args.value("report");
  if (!path) return true;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  try {
    write_file_atomically(*path, report_html(calibration_report(c, utc_text(now))), 0644);
  } catch (const FileError& e) {
    std::cerr << "dermactl: the report: " << e.what() << "\n";
    return false;
  }
  return true;
}

// A speed calibration's sweep as a table, and the step before and after.
void print_speed_sweep(Context& ctx, const std::string& data_json) {
  const auto data = parse_json(data_json);
  if (!data || !data->is_object() || !data->contains("sweep") || !data->at("sweep").is_array()) {
    return;
  }
  const auto number = [](const Json& p, const char* key) {
    return p.is_object() && p.contains(key) && p[key].is_number() ? p[key].get<double>() : NAN;
  };
  ctx.print(std::string("  TARGET_HZ  DUTY    SUPPLY_V  SPEED_HZ  RESIDUAL_HZ"));
  for (const auto& p : data->at("sweep")) {
    char line[128];
    std::snprintf(line, sizeof line, "  %9.0f  %.4f  %8.2f  %8.2f  %11.2f", number(p, "target_hz"),
                  number(p, "duty"), number(p, "supply_v"), number(p, "speed_hz"),
                  number(p, "residual_hz"));
    ctx.print(std::string(line));
  }
}

std::string kind_of(const ParsedArgs& args) {
  return args.positionals().empty() ? "depth" : args.positionals().front();
}

// The calibration's stream, read on a thread of its own: the person at the prompt must learn
// at once when the pen ends the calibration (an alarm, the e-stop), not after typing.
class ProgressInbox {
 public:
  ProgressInbox(grpc::ClientReaderInterface<v1::CalibrationProgress>& reader)
      : thread_([this, &reader] {
          v1::CalibrationProgress p;
          while (reader.Read(&p)) {
            std::lock_guard lock(mu_);
            queue_.push_back(p);
            cv_.notify_all();
          }
          std::lock_guard lock(mu_);
          ended_ = true;
          cv_.notify_all();
        }) {}
  ~ProgressInbox() { thread_.join(); }

  // The next message; nullopt once the stream has ended. Waits at most `wait`.
  enum class Got { kMessage, kNothingYet, kEnded };
  Got next(v1::CalibrationProgress& out, std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return !queue_.empty() || ended_; });
    if (!queue_.empty()) {
      out = std::move(queue_.front());
      queue_.pop_front();
      return Got::kMessage;
    }
    return ended_ ? Got::kEnded : Got::kNothingYet;
  }
  // Something came after the prompt: the calibration went on without this reading.
  bool pending() {
    std::lock_guard lock(mu_);
    return !queue_.empty() || ended_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::CalibrationProgress> queue_;
  bool ended_ = false;
  std::thread thread_;
};

// One line from standard input, unbuffered so nothing typed ahead is lost; nullopt at the end
// of input, on q, on Ctrl-C or when `inbox` has news (the calibration ended meanwhile).
std::optional<std::string> read_answer(ProgressInbox& inbox, const CancelOnInterrupt& interrupt) {
  std::string line;
  for (;;) {
    if (inbox.pending() || interrupt.interrupted()) return std::nullopt;
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    const int n = poll(&fd, 1, 100);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char c = 0;
    const ssize_t got = read(STDIN_FILENO, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    if (c != '\n') {
      line += c;
      continue;
    }
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) return std::string();
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (line == "q" || line == "quit") return std::nullopt;
    return line;
  }
}

void prompt(const v1::CalibrationProgress& p) {
  // On standard error, so that standard output stays the calibration's (and --json's).
  std::cerr << "point " << p.point() << " of " << p.points() << ", stop at " << p.target_um()
            << " um: the needles' protrusion on the gauge, um (q to abort): " << std::flush;
}

void print_progress(Context& ctx, const v1::CalibrationProgress& p) {
  if (ctx.json()) {
    Json j = {{"phase", p.phase()},
              {"point", p.point()},
              {"points", p.points()},
              {"target_um", p.target_um()},
              {"position_um", p.position_um()},
              {"text", p.text()}};
    if (p.has_result()) j["result"] = calibration_json(p.result());
    if (!p.refusals().empty()) {
      j["refusals"] = Json::array();
      for (const auto& r : p.refusals()) j["refusals"].push_back(r);
    }
    ctx.print(j);
  } else if (p.phase() == "moving" || p.phase() == "running") {
    // A bar of the points done, so a person sees how far the calibration is.
    const uint32_t done = p.point() - 1;
    std::string bar(done * 20 / std::max(p.points(), 1u), '#');
    bar.resize(20, '.');
    ctx.print("[" + bar + "] point " + std::to_string(p.point()) + "/" +
              std::to_string(p.points()) + ": " + p.text());
  } else if (p.phase() != "reading") {
    ctx.print(p.text());
    for (const auto& r : p.refusals()) ctx.print("  - " + r);
  }
}

}  // namespace

int run_calibrate_depth(Context& ctx, const ParsedArgs& args) {
  v1::CalibrateDepthRequest req;
  if (auto p = args.value("points")) {
    for (int32_t v : parse_points(*p, ctx.path())) req.add_points_um(v);
  }
  std::optional<std::vector<double>> scripted;
  if (auto f = args.value("readings")) {
    scripted = parse_readings(read_input(*f, "--readings", ctx.path()), ctx.path());
  }
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  grpc::ClientContext call;
  auto reader = client.engineering().CalibrateDepth(&call, req);
  CancelOnInterrupt interrupt(call);
  std::size_t next_reading = 0;
  v1::CalibrationProgress last;
  bool aborted_here = false;
  auto abort_with = [&](const std::string& why) {
    std::cerr << "dermactl: " << why << ": aborting the calibration\n";
    aborted_here = true;
    client.unary([&](grpc::ClientContext* cc) {
      v1::AbortCalibrationResponse r;
      return client.engineering().AbortCalibration(cc, {}, &r);
    });
  };
  {
    ProgressInbox inbox(*reader);
    for (;;) {
      v1::CalibrationProgress p;
      const auto got = inbox.next(p, std::chrono::milliseconds(100));
      if (got == ProgressInbox::Got::kEnded) break;
      if (got == ProgressInbox::Got::kNothingYet) continue;
      last = p;
      print_progress(ctx, p);
      if (p.phase() != "reading" || aborted_here) continue;
      // A reading is asked for: from the file, or from the person at the terminal.
      for (;;) {
        std::string typed;
        if (scripted) {
          if (next_reading >= scripted->size()) {
            abort_with("--readings has " + std::to_string(scripted->size()) +
                       " readings, the calibration asks for " + std::to_string(p.points()));
            break;
          }
          typed = std::to_string((*scripted)[next_reading++]);
        } else {
          prompt(p);
          auto line = read_answer(inbox, interrupt);
          if (!line) {
            std::cerr << "\n";
            if (!inbox.pending() && !interrupt.interrupted()) abort_with("no reading given");
            break;
          }
          typed = *line;
          if (typed.empty()) continue;
        }
        double um = 0;
        try {
          um = parse_number(typed, "the gauge reading", ctx.path());
        } catch (const std::exception& e) {
          if (scripted) {
            abort_with(e.what());
            break;
          }
          std::cerr << "dermactl: " << e.what() << "\n";
          continue;
        }
        v1::SubmitGaugeReadingRequest sr;
        sr.set_point(p.point());
        sr.set_gauge_um(um);
        const grpc::Status st = client.unary([&](grpc::ClientContext* cc) {
          v1::SubmitGaugeReadingResponse r;
          return client.engineering().SubmitGaugeReading(cc, sr, &r);
        });
        if (st.ok()) break;
        if (scripted || st.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
          abort_with("the reading of point " + std::to_string(p.point()) +
                     " was refused: " + st.error_message());
          break;
        }
        std::cerr << "dermactl: " << st.error_message() << "\n";  // measure again
      }
    }
  }
  const grpc::Status st = reader->Finish();
  if (interrupt.interrupted()) {
    std::cerr << "dermactl: interrupted: the calibration is aborted, the old one stays\n";
    return kExitFailed;
  }
  if (aborted_here) return kExitFailed;
  // Ended by the pen (an alarm, the e-stop) or another engineer's abort: said in the last
  // message already; the calibration failed, as a refused fit does.
  if (st.error_code() == grpc::StatusCode::ABORTED) {
    std::cerr << "dermactl: " << st.error_message() << "\n";
    return kExitFailed;
  }
  if (!st.ok()) return ctx.fail(st, true);
  if (last.phase() == "staged") {
    if (!ctx.json()) {
      print_depth_points(ctx, last.result().data_json());
      ctx.print(
          std::string("commit it with `dermactl calibration commit depth`, or drop it "
                      "with `dermactl calibration discard depth`"));
    }
    return write_report(args, last.result()) ? kExitOk : kExitFailed;
  }
  return kExitFailed;
}

// A calibration that asks nothing while it runs (speed, sensors): its progress printed as it
// comes, then how it ended; staged, its figures by `print` and the page for --report.
int follow_calibration(Context& ctx, const ParsedArgs& args, grpc::ClientContext& call,
                       grpc::ClientReaderInterface<v1::CalibrationProgress>& reader,
                       const std::string& kind, void (*print)(Context&, const std::string&)) {
  CancelOnInterrupt interrupt(call);
  v1::CalibrationProgress p, last;
  while (reader.Read(&p)) {
    print_progress(ctx, p);
    last = p;
  }
  const grpc::Status st = reader.Finish();
  if (interrupt.interrupted()) {
    std::cerr << "dermactl: interrupted: the calibration is aborted, the old one stays\n";
    return kExitFailed;
  }
  if (st.error_code() == grpc::StatusCode::ABORTED) {
    std::cerr << "dermactl: " << st.error_message() << "\n";
    return kExitFailed;
  }
  if (!st.ok()) return ctx.fail(st, true);
  if (last.phase() != "staged") return kExitFailed;
  if (!ctx.json()) {
    print(ctx, last.result().data_json());
    ctx.print("commit it with `dermactl calibration commit " + kind +
              "`, or drop it with `dermactl calibration discard " + kind + "`");
  }
  return write_report(args, last.result()) ? kExitOk : kExitFailed;
}

int run_calibrate_speed(Context& ctx, const ParsedArgs& args) {
  v1::CalibrateSpeedRequest req;
  if (auto s = args.value("sweep")) {
    std::stringstream in(*s);
    for (std::string one; std::getline(in, one, ',');) {
      req.add_sweep_hz(parse_number(one, "--sweep", ctx.path()));
    }
  }
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  grpc::ClientContext call;
  auto reader = client.engineering().CalibrateSpeed(&call, req);
  return follow_calibration(ctx, args, call, *reader, "speed", print_speed_sweep);
}

// The offsets the sensors calibration found, and what each sensor read, for a person.
void print_sensors(Context& ctx, const std::string& data_json) {
  const auto d = parse_json(data_json);
  if (!d || !d->contains("measured")) return;
  const Json& m = d->at("measured");
  const Json& o = d->at("offsets");
  auto num = [](const Json& j, const char* k) { return j.value(k, std::nan("")); };
  ctx.print(
      label_table({{"motor current", "reads " + fixed(num(m, "current_mean_ma"), 1) + " mA (sd " +
                                         fixed(num(m, "current_sd_ma"), 1) + ") at rest: zero " +
                                         fixed(num(o, "current_ma"), 1) + " mA"},
                   {"force", "reads " + fixed(num(m, "force_mean_n"), 3) + " N (sd " +
                                 fixed(num(m, "force_sd_n"), 3) + ") untouched: tare " +
                                 fixed(num(o, "force_n"), 3) + " N"},
                   {"temperature", "reads " + fixed(num(m, "temperature_mean_c"), 2) +
                                       " C against " + fixed(num(*d, "reference_c"), 2) +
                                       " C: offset " + fixed(num(o, "temperature_c"), 2) + " C"}}));
}

int run_calibrate_sensors(Context& ctx, const ParsedArgs& args) {
  v1::CalibrateSensorsRequest req;
  if (auto v = args.value("reference-c")) {
    req.set_reference_c(parse_number(*v, "--reference-c", ctx.path()));
  } else {
    std::cerr << "lay the pen down, nothing touching the needle tip, a reference thermometer "
                 "against the handpiece;\nonce both have settled, its reading in C (q to abort): "
              << std::flush;
    std::string line;
    if (!std::getline(std::cin, line) || line == "q") {
      std::cerr << "dermactl: no reference temperature: nothing measured\n";
      return kExitFailed;
    }
    req.set_reference_c(parse_number(line, "the reference temperature", ctx.path()));
  }
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  grpc::ClientContext call;
  auto reader = client.engineering().CalibrateSensors(&call, req);
  return follow_calibration(ctx, args, call, *reader, "sensors", print_sensors);
}

int run_calibration_show(Context& ctx, const ParsedArgs& args) {
  v1::GetStagedCalibrationRequest req;
  req.set_kind(kind_of(args));
  v1::Calibration c;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().engineering().GetStagedCalibration(cc, req, &c);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(calibration_json(c));
  } else {
    ctx.print("staged " + c.kind() + " calibration, by " + c.by() + " at " + utc_text(c.wall_ns()));
    ctx.print("  " + c.summary());
    if (c.kind() == "depth") print_depth_points(ctx, c.data_json());
    if (c.kind() == "speed") print_speed_sweep(ctx, c.data_json());
    if (c.kind() == "sensors") print_sensors(ctx, c.data_json());
  }
  return write_report(args, c) ? kExitOk : kExitFailed;
}

int run_calibration_commit(Context& ctx, const ParsedArgs& args) {
  v1::CommitCalibrationRequest req;
  req.set_kind(kind_of(args));
  v1::Calibration c;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().engineering().CommitCalibration(cc, req, &c);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(calibration_json(c));
  } else {
    ctx.print(c.kind() + " calibration " + std::to_string(c.id()) +
              " committed and in force; due " + utc_text(c.due_wall_ns()));
  }
  return write_report(args, c) ? kExitOk : kExitFailed;
}

int run_calibration_discard(Context& ctx, const ParsedArgs& args) {
  v1::DiscardCalibrationRequest req;
  req.set_kind(kind_of(args));
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    v1::DiscardCalibrationResponse r;
    return ctx.client().engineering().DiscardCalibration(cc, req, &r);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"discarded", req.kind()}});
  } else {
    ctx.print("the staged " + req.kind() + " calibration is discarded; the one in force stays");
  }
  return kExitOk;
}

int run_calibration_history(Context& ctx, const ParsedArgs& args) {
  v1::ListCalibrationsRequest req;
  if (auto k = args.value("kind")) req.set_kind(*k);
  if (auto n = args.value("last")) {
    req.set_limit(static_cast<uint32_t>(parse_integer(*n, "--last", ctx.path(), 1, 10000)));
  }
  v1::ListCalibrationsResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().engineering().ListCalibrations(cc, req, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  std::set<int64_t> in_force;
  for (const auto& c : resp.in_force()) in_force.insert(c.id());
  if (ctx.json()) {
    for (const auto& c : resp.calibrations()) {
      Json j = calibration_json(c);
      j["in_force"] = in_force.count(c.id()) > 0;
      ctx.print(j);
    }
    return kExitOk;
  }
  ctx.print(
      std::string("ID  KIND    COMMITTED                DUE                      IN FORCE  BY"));
  for (const auto& c : resp.calibrations()) {
    char line[160];
    std::snprintf(line, sizeof line, "%-3lld %-7s %-24s %-24s %-9s ",
                  static_cast<long long>(c.id()), c.kind().c_str(), utc_text(c.wall_ns()).c_str(),
                  utc_text(c.due_wall_ns()).c_str(),
                  in_force.count(c.id()) ? (c.due() ? "PAST DUE" : "yes") : "");
    ctx.print(std::string(line) + c.by());
    ctx.print("    " + c.summary());
  }
  for (const auto& c : resp.in_force()) {
    if (c.due()) ctx.print("the " + c.kind() + " calibration in force is past due: " + c.summary());
  }
  return kExitOk;
}

}  // namespace dermad::ctl
