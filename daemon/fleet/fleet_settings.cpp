#include "daemon/fleet/fleet_settings.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/config/text_format.hpp"
#include "dermad/v1/fleet.pb.h"

namespace dermad::fleet {

namespace {

bool read_all(const std::string& path, std::string& out, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

std::optional<int64_t> parse_retention(const std::string& text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  int64_t unit_s = 0;
  switch (text.back()) {
    case 's':
      unit_s = 1;
      break;
    case 'm':
      unit_s = 60;
      break;
    case 'h':
      unit_s = 3600;
      break;
    case 'd':
      unit_s = 86400;
      break;
    default:
      return std::nullopt;
  }
  constexpr int64_t kMaxS = 100LL * 366 * 86400;
  if (n == 0 || n > kMaxS / unit_s) return std::nullopt;
  return n * unit_s * 1'000'000'000;
}

LoadedFleet load_fleet(const std::string& path) {
  LoadedFleet out;
  std::string text, why;
  if (!read_all(path, text, why)) {
    out.errors.push_back(path + ": " + why);
    return out;
  }
  v1::FleetConfig cfg;
  config::LocationTree tree;
  if (!config::parse_text_format(text, path, cfg, tree, out.errors)) return out;
  auto at = [&](const char* field) {
    return path + ":" + std::to_string(config::line_of(&tree, cfg, field, -1, 1)) + ": ";
  };
  FleetSettings s;
  s.endpoint = cfg.endpoint();
  s.server_name = cfg.server_name();
  if (s.endpoint.empty() || s.endpoint.find(':') == std::string::npos) {
    out.errors.push_back(at("endpoint") + "endpoint must be the ingest service's HOST:PORT");
  }
  struct Pem {
    const char* field;
    const std::string& file;
    std::string* into;
    const char* what;
  };
  for (const Pem& p : {Pem{"ca_file", cfg.ca_file(), &s.ca_pem, "the fleet service's CA"},
                       Pem{"cert_file", cfg.cert_file(), &s.cert_pem, "the pen's certificate"},
                       Pem{"key_file", cfg.key_file(), &s.key_pem, "the pen's private key"}}) {
    if (p.file.empty()) {
      out.errors.push_back(at(p.field) + std::string(p.field) + " must name " + p.what + " (PEM)");
    } else if (!read_all(p.file, *p.into, why)) {
      out.errors.push_back(at(p.field) + p.file + ": " + why);
    } else if (p.into->find("-----BEGIN ") == std::string::npos) {
      out.errors.push_back(at(p.field) + p.file + " holds no PEM");
    }
  }
  if (cfg.clinic_key_file().empty()) {
    out.errors.push_back(at("clinic_key_file") +
                         "clinic_key_file must name the clinic's secret: patient references "
                         "leave the pen only as its keyed hash");
  } else if (!read_all(cfg.clinic_key_file(), s.clinic_key, why)) {
    out.errors.push_back(at("clinic_key_file") + cfg.clinic_key_file() + ": " + why);
  } else {
    while (!s.clinic_key.empty() && (s.clinic_key.back() == '\n' || s.clinic_key.back() == '\r')) {
      s.clinic_key.pop_back();
    }
    if (s.clinic_key.size() < 16) {
      out.errors.push_back(at("clinic_key_file") + cfg.clinic_key_file() +
                           ": the clinic's key must be at least 16 bytes (e.g. openssl rand "
                           "-hex 32)");
    }
  }
  if (cfg.max_bytes_per_second() != 0) {
    if (cfg.max_bytes_per_second() < 1024) {
      out.errors.push_back(at("max_bytes_per_second") +
                           "max_bytes_per_second must be at least 1024 (0: the default, 65536)");
    }
    s.max_bytes_per_second = cfg.max_bytes_per_second();
  }
  if (cfg.batch_events() != 0) {
    if (cfg.batch_events() > 1000) {
      out.errors.push_back(at("batch_events") + "batch_events must be 1..1000 (0: 500)");
    }
    s.batch_events = static_cast<int>(cfg.batch_events());
  }
  if (!cfg.retention().empty()) {
    if (const auto ns = parse_retention(cfg.retention())) {
      s.retention_ns = *ns;
      s.retention = cfg.retention();
    } else {
      out.errors.push_back(at("retention") + "retention \"" + cfg.retention() +
                           "\" must be a whole number and a unit, s, m, h or d (e.g. \"365d\"; "
                           "at most 100 years)");
    }
  }
  if (out.errors.empty()) out.settings = std::move(s);
  return out;
}

}  // namespace dermad::fleet
