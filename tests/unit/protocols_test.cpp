// The protocols file: the shipped one is valid and conservative; a bad one is refused with
// every problem named by line and field.
#include "daemon/treatment/protocols.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace dermad::treatment {
namespace {

const std::string kShipped =
    std::string(DERMAD_SOURCE_DIR) + "/daemon/treatment/protocols.textproto";

bool has_error(const LoadResult& r, const std::string& part) {
  return std::any_of(r.errors.begin(), r.errors.end(),
                     [&part](const std::string& e) { return e.find(part) != std::string::npos; });
}

std::string all(const LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e + "\n";
  return s;
}

TEST(Protocols, ShippedFileHasTheFourTreatmentsWithinTheZoneCeilings) {
  const LoadResult r = load_protocols(kShipped);
  ASSERT_TRUE(r.set) << all(r);
  for (const char* id : {"general", "tox-facial", "gold-nano", "prp"}) {
    EXPECT_NE(r.set->find(id), nullptr) << id;
  }
  const Protocol& general = *r.set->find("general");
  EXPECT_EQ(general.zones.size(), 11u);  // face, body and scalp
  EXPECT_LE(general.zone("periorbital")->depth_max_um, 300);
  for (const char* z : {"forehead", "nose", "upper-lip"}) {
    EXPECT_LE(general.zone(z)->depth_max_um, 500) << z;
  }
  EXPECT_LE(general.zone("cheeks")->depth_max_um, 1500);
  EXPECT_LE(general.zone("body")->depth_max_um, 2000);
  const Protocol& gold = *r.set->find("gold-nano");
  EXPECT_TRUE(gold.allows(hal::CartridgeType::kGoldNano));
  EXPECT_FALSE(gold.allows(hal::CartridgeType::kStandard));
  for (const auto& z : gold.zones) EXPECT_LE(z.depth_max_um, 300) << z.zone;
  EXPECT_FALSE(r.set->find("prp")->checklist.empty());
  EXPECT_FALSE(r.set->find("tox-facial")->checklist.empty());
  EXPECT_FALSE(r.set->find("gold-nano")->checklist.empty());
  EXPECT_EQ(r.set->screening.isotretinoin_days, 365);
  EXPECT_EQ(r.set->screening.retinoid_acid_hours, 48);
}

TEST(Protocols, SyntaxErrorsNameTheLine) {
  const LoadResult r =
      parse_protocols("protocols {\n  id: \"x\"\n  speed_max_hz: fast\n}\n", "p.textproto");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(has_error(r, "p.textproto:3:")) << all(r);
}

TEST(Protocols, EveryLimitBreachIsRefusedAtItsLine) {
  const std::string text = R"(protocols {
  id: "general"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "periorbital" depth_min_um: 200 depth_max_um: 600 depth_default_um: 250 }
  zones { zone: "elbow" depth_min_um: 200 depth_max_um: 400 depth_default_um: 250 }
  zones { zone: "cheeks" depth_min_um: 100 depth_max_um: 1000 depth_default_um: 1200 }
  speed_min_hz: 40
  speed_max_hz: 180
  speed_default_hz: 100
}
protocols {
  id: "gold-nano"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "cheeks" depth_min_um: 200 depth_max_um: 500 depth_default_um: 250 }
  speed_min_hz: 50
  speed_max_hz: 100
  speed_default_hz: 80
}
)";
  const LoadResult r = parse_protocols(text, "clinic.textproto");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(has_error(r, "clinic.textproto:4: depth_max_um")) << all(r);  // > 300 periorbital
  EXPECT_TRUE(has_error(r, "clinic.textproto:5: zone: protocol 'general': unknown zone 'elbow'"))
      << all(r);
  EXPECT_TRUE(has_error(r, "clinic.textproto:6: depth_min_um")) << all(r);
  EXPECT_TRUE(has_error(r, "clinic.textproto:6: depth_default_um")) << all(r);
  EXPECT_TRUE(has_error(r, "clinic.textproto:7: speed_min_hz/speed_max_hz")) << all(r);
  EXPECT_TRUE(has_error(r, "clinic.textproto:13: cartridge_types")) << all(r);
  EXPECT_EQ(r.errors.size(), 6u) << all(r);
}

// #10 findings 1 to 3: a protocols file may not defeat a safety rule.
TEST(Protocols, ScreeningWindowsMayBeStricterNeverWeakerNorWrapAround) {
  const std::string zone = R"(protocols {
  id: "general"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "cheeks" depth_min_um: 200 depth_max_um: 1000 depth_default_um: 500 }
  speed_min_hz: 50 speed_max_hz: 150 speed_default_hz: 100
}
)";
  LoadResult r = parse_protocols(zone + R"(screening {
  isotretinoin_days: 4294967295
  retinoid_acid_hours: 2147483648
  anticoagulant_days: 1
  sun_exposure_days: 6
}
)",
                                 "w");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(has_error(r, "w:8: isotretinoin_days: 4294967295 days is more than 3650")) << all(r);
  EXPECT_TRUE(has_error(r, "w:9: retinoid_acid_hours: 2147483648 hours is more than 8760"))
      << all(r);
  EXPECT_TRUE(
      has_error(r, "w:10: anticoagulant_days: 1 days is weaker than the device's floor of 7"))
      << all(r);
  EXPECT_TRUE(has_error(r, "w:11: sun_exposure_days: 6 days is weaker")) << all(r);
  EXPECT_EQ(r.errors.size(), 4u) << all(r);

  r = parse_protocols(zone + "screening { isotretinoin_days: 364 }\n", "w");
  EXPECT_TRUE(has_error(r, "w:7: isotretinoin_days: 364 days is weaker")) << all(r);
  r = parse_protocols(zone + "screening { isotretinoin_days: 730 retinoid_acid_hours: 72 }\n", "w");
  ASSERT_TRUE(r.set) << all(r);
  EXPECT_EQ(r.set->screening.isotretinoin_days, 730);  // stricter: taken
  EXPECT_EQ(r.set->screening.retinoid_acid_hours, 72);
  EXPECT_EQ(r.set->screening.anticoagulant_days, 7);  // unset: the device's own
}

TEST(Protocols, NotANumberAndUnsetSpeedsAreRefusedAtTheirProtocolsLine) {
  const LoadResult r = parse_protocols(R"(protocols {
  id: "general"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "cheeks" depth_min_um: 200 depth_max_um: 1000 depth_default_um: 500 }
  speed_min_hz: 50 speed_max_hz: nan speed_default_hz: 100
}
protocols {
  id: "prp"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "scalp" depth_min_um: 500 }
}
)",
                                       "n");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(
      has_error(r, "n:5: speed_min_hz/speed_max_hz: protocol 'general': speed range 50..nan"))
      << all(r);
  // Fields the file leaves out are refused at the line of what holds them, never line 0.
  EXPECT_TRUE(has_error(r, "n:7: speed_min_hz/speed_max_hz: protocol 'prp'")) << all(r);
  EXPECT_TRUE(has_error(r, "n:10: depth_min_um")) << all(r);
  for (const auto& e : r.errors) EXPECT_EQ(e.find("n:0:"), std::string::npos) << e;
}

TEST(Protocols, AZoneDeeperThanAnyOfItsCartridgesNeedlesIsRefused) {
  const LoadResult r = parse_protocols(R"(protocols {
  id: "glow"
  cartridge_types: [CARTRIDGE_TYPE_GOLD_NANO]
  zones { zone: "cheeks" depth_min_um: 200 depth_max_um: 500 depth_default_um: 250 }
  speed_min_hz: 50 speed_max_hz: 150 speed_default_hz: 100
}
)",
                                       "g");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(has_error(r,
                        "g:4: depth_max_um: protocol 'glow', zone 'cheeks': maximum 500 um is "
                        "deeper than any of its cartridges' needles may go (300 um)"))
      << all(r);
}

TEST(Protocols, DuplicatesAndEmptinessAreRefused) {
  const LoadResult empty = parse_protocols("", "e");
  EXPECT_FALSE(empty.set);
  EXPECT_TRUE(has_error(empty, "no protocol defined"));
  const LoadResult dup = parse_protocols(R"(protocols {
  id: "prp"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "scalp" depth_min_um: 500 depth_max_um: 1500 depth_default_um: 1000 }
  zones { zone: "scalp" depth_min_um: 500 depth_max_um: 1500 depth_default_um: 1000 }
  speed_min_hz: 50 speed_max_hz: 120 speed_default_hz: 90
}
protocols {
  id: "prp"
  cartridge_types: [CARTRIDGE_TYPE_STANDARD]
  zones { zone: "scalp" depth_min_um: 500 depth_max_um: 1500 depth_default_um: 1000 }
  speed_min_hz: 50 speed_max_hz: 120 speed_default_hz: 90
}
)",
                                         "d");
  EXPECT_FALSE(dup.set);
  EXPECT_TRUE(has_error(dup, "d:5: zone")) << all(dup);
  EXPECT_TRUE(has_error(dup, "d:9: id: protocol id 'prp' defined twice")) << all(dup);
}

TEST(Protocols, MissingFileIsAClearError) {
  const LoadResult r = load_protocols("/nonexistent/protocols.textproto");
  EXPECT_FALSE(r.set);
  EXPECT_TRUE(has_error(r, "/nonexistent/protocols.textproto: cannot be read"));
}

}  // namespace
}  // namespace dermad::treatment
