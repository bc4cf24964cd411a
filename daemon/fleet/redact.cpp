#include "daemon/fleet/redact.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace dermad::fleet {

std::string keyed_hash(const std::string& key, const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), md, &n);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "hmac-sha256:";
  for (unsigned int i = 0; i < n; ++i) {
    out += kDigits[md[i] >> 4];
    out += kDigits[md[i] & 0xF];
  }
  return out;
}

v1::Event outgoing(const store::Event& e, const std::string& clinic_key) {
  v1::Event out;
  out.set_seq(e.seq);
  out.set_wall_ns(e.wall_ns);
  out.set_mono_ns(e.mono_ns);
  out.set_kind(e.kind);
  out.set_severity(e.severity);
  out.set_session_id(e.session_id);
  out.set_hash(e.hash);
  out.set_details(e.details);
  // Every event that can hold a patient reference holds it as "patient" (docs/RECORDS.md).
  if (e.details.find("\"patient\"") != std::string::npos) {
    auto d = nlohmann::json::parse(e.details, nullptr, false);
    if (d.is_object() && d.contains("patient")) {
      const auto& p = d["patient"];
      if (!p.is_string() || !p.get<std::string>().empty()) {
        d["patient"] = keyed_hash(clinic_key, p.is_string() ? p.get<std::string>() : p.dump());
      }
      out.set_details(d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      out.set_redacted(true);
    } else if (!d.is_object()) {
      // Not JSON as stored (an edited row): nothing of it leaves the pen but its place.
      out.set_details("{}");
      out.set_redacted(true);
    }
  }
  return out;
}

std::string fleet_summary(const std::string& stored) {
  auto j = nlohmann::json::parse(stored, nullptr, false);
  if (!j.is_object()) return "";
  j.erase("findings");
  j.erase("acknowledged");
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dermad::fleet
