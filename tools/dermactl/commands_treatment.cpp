// protocols, screen: TreatmentService.
#include <sstream>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/render_session.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

std::string cartridge_word(int t) {
  return cartridge_type_name(static_cast<v1::CartridgeType>(t));
}

}  // namespace

int run_protocols(Context& ctx, const ParsedArgs&) {
  v1::ListProtocolsResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().ListProtocols(cc, v1::ListProtocolsRequest{}, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    Json list = Json::array();
    for (const auto& p : resp.protocols()) {
      Json types = Json::array();
      for (int t : p.cartridge_types()) types.push_back(cartridge_word(t));
      Json zones = Json::array();
      for (const auto& z : p.zones()) {
        zones.push_back(Json{{"zone", z.zone()},
                             {"depth_min_um", z.depth_min_um()},
                             {"depth_max_um", z.depth_max_um()},
                             {"depth_default_um", z.depth_default_um()}});
      }
      Json checklist = Json::array(), materials = Json::array();
      for (const auto& c : p.checklist()) checklist.push_back(c);
      for (const auto& m : p.materials()) materials.push_back(m);
      list.push_back(Json{{"id", p.id()},
                          {"name", p.name()},
                          {"description", p.description()},
                          {"cartridge_types", types},
                          {"zones", zones},
                          {"speed_min_hz", p.speed_min_hz()},
                          {"speed_max_hz", p.speed_max_hz()},
                          {"speed_default_hz", p.speed_default_hz()},
                          {"checklist", checklist},
                          {"materials", materials}});
    }
    ctx.print(Json{{"protocols", list}});
    return kExitOk;
  }
  std::ostringstream o;
  for (const auto& p : resp.protocols()) {
    o << p.id() << ": " << p.name() << "\n  " << p.description() << "\n  cartridges:";
    for (int t : p.cartridge_types()) o << " " << cartridge_word(t);
    o << "\n  speed " << p.speed_min_hz() << ".." << p.speed_max_hz() << " Hz (default "
      << p.speed_default_hz() << ")\n";
    for (const auto& z : p.zones()) {
      o << "  " << z.zone() << std::string(z.zone().size() < 12 ? 12 - z.zone().size() : 1, ' ')
        << z.depth_min_um() << ".." << z.depth_max_um() << " um (default " << z.depth_default_um()
        << ")\n";
    }
    for (const auto& c : p.checklist()) o << "  checklist: " << c << "\n";
    for (const auto& m : p.materials()) o << "  records: " << m << " (with its lot)\n";
    o << "\n";
  }
  std::string text = o.str();
  if (!text.empty()) text.pop_back();
  ctx.print(text);
  return kExitOk;
}

int run_screen(Context& ctx, const ParsedArgs& args) {
  v1::ScreenPatientRequest req;
  *req.mutable_answers() =
      parse_answers(read_input(*args.value("answers"), "--answers", ctx.path()), ctx.path());
  v1::ScreenPatientResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().ScreenPatient(cc, req, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    Json list = Json::array();
    for (const auto& f : resp.findings()) {
      list.push_back(Json{
          {"rule", f.rule()}, {"severity", severity_name(f.severity())}, {"reason", f.reason()}});
    }
    ctx.print(Json{{"findings", list}, {"blocked", resp.blocked()}});
    return kExitOk;
  }
  if (resp.findings().empty()) {
    ctx.print(std::string("no findings: nothing blocks or needs acknowledging"));
    return kExitOk;
  }
  std::ostringstream o;
  for (const auto& f : resp.findings()) {
    o << (f.severity() == v1::FINDING_SEVERITY_BLOCK ? "BLOCK        " : "ACKNOWLEDGE  ")
      << f.rule() << ": " << f.reason() << "\n";
  }
  o << (resp.blocked() ? "a blocking finding: no session for this patient today"
                       : "a session needs each rule above acknowledged (--ack RULE)");
  ctx.print(o.str());
  return kExitOk;
}

}  // namespace dermad::ctl
