#include "tools/dermad-fleet/schema.hpp"

namespace dermad::fleet {

namespace {

// A JSON field of an event's details, as text and as a number, and the UTC day of a time.
struct Sql {
  Dialect d;
  std::string text(const std::string& field) const {
    return d == Dialect::kPostgres ? "(e.details::jsonb ->> '" + field + "')"
                                   : "json_extract(e.details, '$." + field + "')";
  }
  std::string number(const std::string& field) const {
    return d == Dialect::kPostgres ? "(e.details::jsonb ->> '" + field + "')::numeric"
                                   : "json_extract(e.details, '$." + field + "')";
  }
  std::string summary_number(const std::string& field) const {
    return d == Dialect::kPostgres ? "(s.summary::jsonb ->> '" + field + "')::numeric"
                                   : "json_extract(s.summary, '$." + field + "')";
  }
  std::string day(const std::string& ns) const {
    return d == Dialect::kPostgres
               ? "to_char(to_timestamp(" + ns + " / 1e9) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
               : "date(" + ns + " / 1000000000, 'unixepoch')";
  }
};

std::string tables() {
  return R"(
CREATE TABLE devices(
  device TEXT PRIMARY KEY, clinic TEXT NOT NULL, serial TEXT NOT NULL, software TEXT NOT NULL,
  committed_seq BIGINT NOT NULL, head_hash TEXT NOT NULL, broken_events BIGINT NOT NULL,
  first_seen_ns BIGINT NOT NULL, last_seen_ns BIGINT NOT NULL);
CREATE TABLE events(
  device TEXT NOT NULL REFERENCES devices(device), seq BIGINT NOT NULL,
  wall_ns BIGINT NOT NULL, mono_ns BIGINT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
  session_id TEXT NOT NULL, details TEXT NOT NULL, hash TEXT NOT NULL, verified TEXT NOT NULL,
  redacted BOOLEAN NOT NULL, set_aside TEXT NOT NULL, received_ns BIGINT NOT NULL,
  PRIMARY KEY(device, seq));
CREATE INDEX events_by_kind ON events(kind, device, wall_ns);
CREATE TABLE session_summaries(
  device TEXT NOT NULL REFERENCES devices(device), session_id TEXT NOT NULL,
  seq BIGINT NOT NULL, state TEXT NOT NULL, summary TEXT NOT NULL, received_ns BIGINT NOT NULL,
  PRIMARY KEY(device, session_id));
)";
}

std::string views(const Sql& q) {
  return R"(
CREATE VIEW fleet_devices AS
  SELECT device, clinic, serial, software, committed_seq, broken_events,
         first_seen_ns, last_seen_ns FROM devices;
CREATE VIEW fleet_alarms AS
  SELECT e.device, d.clinic, e.seq, e.wall_ns, )" +
         q.day("e.wall_ns") + R"( AS day,
         substr(e.kind, 7) AS event, )" +
         q.text("code") + " AS code, e.session_id, " + q.text("by") + R"( AS acknowledged_by
  FROM events e JOIN devices d ON d.device = e.device
  WHERE e.kind IN ('alarm_raised', 'alarm_cleared', 'alarm_acknowledged');
CREATE VIEW fleet_faults_per_day AS
  SELECT device, clinic, day, code, count(*) AS raised FROM fleet_alarms
  WHERE event = 'raised' GROUP BY device, clinic, day, code;
CREATE VIEW fleet_sessions AS
  SELECT e.device, d.clinic, e.session_id, e.wall_ns, )" +
         q.day("e.wall_ns") + " AS day, " + q.text("protocol") + " AS protocol, " + q.text("zone") +
         " AS zone, " + q.number("depth_um") + " AS depth_um, " + q.number("speed_hz") +
         " AS speed_hz, " + q.text("cartridge") + " AS cartridge, " + q.text("operator") +
         " AS operator, " + q.text("patient") + R"( AS patient,
         (SELECT x.kind FROM events x WHERE x.device = e.device AND x.session_id = e.session_id
            AND x.kind IN ('session_ended', 'session_aborted') ORDER BY x.seq LIMIT 1) AS ending,
         )" +
         q.summary_number("strokes") + " AS strokes, " + q.summary_number("run_s") + R"( AS run_s
  FROM events e JOIN devices d ON d.device = e.device
  LEFT JOIN session_summaries s ON s.device = e.device AND s.session_id = e.session_id
  WHERE e.kind = 'session_started';
CREATE VIEW fleet_sessions_per_clinic AS
  SELECT clinic, day, protocol, count(*) AS sessions FROM fleet_sessions
  GROUP BY clinic, day, protocol;
CREATE VIEW fleet_counters AS
  SELECT e.device, d.clinic, e.wall_ns, )" +
         q.number("strokes") + " AS strokes, " + q.number("motor_run_ms") + " AS motor_run_ms, " +
         q.number("sessions") + " AS sessions, " + q.number("faults") +
         R"( AS faults
  FROM events e JOIN devices d ON d.device = e.device
  WHERE e.kind = 'counters' AND e.seq = (SELECT max(x.seq) FROM events x
    WHERE x.device = e.device AND x.kind = 'counters');
CREATE VIEW fleet_calibrations AS
  SELECT e.device, d.clinic, )" +
         q.text("kind") + " AS kind, e.wall_ns, " + q.text("by") + " AS committed_by, " +
         q.number("due_wall_ns") + R"( AS due_wall_ns
  FROM events e JOIN devices d ON d.device = e.device
  WHERE e.kind = 'calibration_committed' AND e.seq = (SELECT max(x.seq) FROM events x
    WHERE x.device = e.device AND x.kind = 'calibration_committed'
      AND )" +
         (q.d == Dialect::kPostgres ? std::string("(x.details::jsonb ->> 'kind')")
                                    : std::string("json_extract(x.details, '$.kind')")) +
         " = " + q.text("kind") + R"();
)";
}

}  // namespace

std::vector<std::string> migrations(Dialect d) {
  return {
      // 1: the devices and their events, and the views of docs/FLEET.md.
      tables() + views(Sql{d}),
  };
}

}  // namespace dermad::fleet
