#include "tools/dermactl/session_args.hpp"

#include <cstdint>
#include <limits>

#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

std::int32_t depth_um(const std::string& text, const std::string& path, std::int32_t min) {
  return static_cast<std::int32_t>(
      parse_integer(text, "--depth-um", path, min, std::numeric_limits<std::int32_t>::max()));
}

template <class Materials>
void add_materials(const ParsedArgs& args, const std::string& path, Materials& out) {
  for (const auto& m : args.values("material")) *out.Add() = parse_material(m, path);
}

}  // namespace

v1::StartSessionRequest start_request(const ParsedArgs& args, const std::string& path) {
  v1::StartSessionRequest req;
  req.set_protocol(args.value("protocol").value_or(""));
  req.set_zone(args.value("zone").value_or(""));
  // Negative depths pass to dermad, which refuses them with the zone's range in the reason.
  req.set_depth_um(depth_um(args.value("depth-um").value_or(""), path,
                            std::numeric_limits<std::int32_t>::min()));
  req.set_speed_hz(parse_number(args.value("speed-hz").value_or(""), "--speed-hz", path));
  *req.mutable_answers() =
      parse_answers(read_input(args.value("answers").value_or(""), "--answers", path), path);
  for (const auto& rule : args.values("ack")) {
    if (rule.empty()) throw UsageError("--ack needs a rule id, e.g. anticoagulants", path);
    req.add_acknowledged(rule);
  }
  if (auto v = args.value("operator")) req.set_operator_id(*v);
  if (auto v = args.value("patient")) req.set_patient_ref(*v);
  add_materials(args, path, *req.mutable_materials());
  return req;
}

v1::UpdateSessionRequest update_request(const ParsedArgs& args, const std::string& path) {
  v1::UpdateSessionRequest req;
  if (auto v = args.value("zone")) {
    if (v->empty()) throw UsageError("--zone needs a zone name", path);
    req.set_zone(*v);
  }
  if (auto v = args.value("depth-um")) req.set_depth_um(depth_um(*v, path, 1));
  if (auto v = args.value("speed-hz")) {
    const double hz = parse_number(*v, "--speed-hz", path);
    if (!(hz > 0.0)) throw UsageError("--speed-hz must be above 0 Hz, got " + *v, path);
    req.set_speed_hz(hz);
  }
  add_materials(args, path, *req.mutable_materials());
  if (req.zone().empty() && req.depth_um() == 0 && req.speed_hz() == 0.0 &&
      req.materials().empty()) {
    throw UsageError("nothing to change: give --zone, --depth-um, --speed-hz or --material", path);
  }
  return req;
}

}  // namespace dermad::ctl
