// The input bounds and the authorization table on their own: UTF-8 edge cases, control
// characters, prefixes quoted in refusals, nested fields; and every RPC of every service
// placed in the table, so a new RPC cannot slip through unplaced.
#include "daemon/api/input_bounds.hpp"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "daemon/api/roles.hpp"
#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/engineering.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"

namespace dermad::api {
namespace {

TEST(InputBounds, TextWithinBoundsPasses) {
  EXPECT_FALSE(text_problem("f", ""));
  EXPECT_FALSE(text_problem("f", "dr-a"));
  EXPECT_FALSE(text_problem("f", "Zoë Ångström 東京 🙂"));
  EXPECT_FALSE(text_problem("f", std::string(256, 'x')));
}

TEST(InputBounds, LengthControlAndUtf8ProblemsAreNamed) {
  EXPECT_EQ(*text_problem("f", std::string(257, 'x')),
            "f: 257 bytes; at most 256 ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...')");
  EXPECT_EQ(*text_problem("f", std::string("ab\0c", 4)),
            "f: control character NUL at byte 2 ('ab\\x00c')");
  EXPECT_EQ(*text_problem("f", "a\nb"), "f: control character \\x0a at byte 1 ('a\\x0ab')");
  EXPECT_EQ(*text_problem("f", "x\x7f"), "f: control character \\x7f at byte 1 ('x\\x7f')");
  for (const char* bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xe2\x82", "ok\x80"}) {
    const auto p = text_problem("f", bad);
    ASSERT_TRUE(p) << bad;
    EXPECT_NE(p->find("not valid UTF-8"), std::string::npos) << *p;
  }
}

TEST(InputBounds, QuotedPrefixesAreShortAndPrintable) {
  EXPECT_EQ(quoted_prefix("abc"), "abc");
  EXPECT_EQ(quoted_prefix(std::string(100, 'a'), 4), "aaaa...");
  EXPECT_EQ(quoted_prefix("\xff\x01z"), "\\xff\\x01z");
  EXPECT_EQ(quoted_prefix("東京都", 2), "東京...");
}

TEST(InputBounds, NestedMessagesAndListsAreWalked) {
  v1::StartSessionRequest r;
  r.set_protocol("general");
  EXPECT_FALSE(request_problem(r));
  r.mutable_answers()->set_sun_exposure_last(std::string("2026\0", 5));
  EXPECT_EQ(request_problem(r)->rfind("answers.sun_exposure_last: control character NUL", 0), 0u);
  r.mutable_answers()->clear_sun_exposure_last();
  for (int i = 0; i < 3; ++i) r.add_materials()->set_name("gold");
  r.mutable_materials(2)->set_lot(std::string(300, 'L'));
  EXPECT_EQ(request_problem(r)->rfind("materials[2].lot: 300 bytes", 0), 0u);
  r.clear_materials();
  for (int i = 0; i < 65; ++i) r.add_acknowledged("x");
  EXPECT_EQ(*request_problem(r), "acknowledged: 65 items; at most 64");
}

TEST(Roles, EveryRpcOfEveryServiceIsInTheAuthorizationTable) {
  // Each service through a message of its own file, so the descriptors are linked in.
  const std::pair<const char*, const google::protobuf::FileDescriptor*> services[] = {
      {"DeviceService", v1::GetStatusRequest::descriptor()->file()},
      {"TreatmentService", v1::StartSessionRequest::descriptor()->file()},
      {"EngineeringService", v1::JogRequest::descriptor()->file()},
      {"LogService", v1::ReadEventsRequest::descriptor()->file()},
      {"Simulator", v1::SetFaultRequest::descriptor()->file()},
  };
  int methods = 0;
  for (const auto& [name, file] : services) {
    const auto* svc = file->FindServiceByName(name);
    ASSERT_NE(svc, nullptr) << name;
    for (int i = 0; i < svc->method_count(); ++i) {
      const std::string rpc = std::string(name) + "." + svc->method(i)->name();
      EXPECT_TRUE(min_role(rpc)) << rpc << " is in no role's rights";
      ++methods;
    }
  }
  EXPECT_EQ(methods, rpc_roles_end() - rpc_roles_begin()) << "the table names an RPC that is gone";
  EXPECT_FALSE(min_role("TreatmentService.Nope"));
}

TEST(Roles, ACertificateUriNamesARole) {
  EXPECT_EQ(role_from_uri("urn:dermad:role:clinician"), Role::kClinician);
  EXPECT_EQ(role_from_uri("urn:dermad:role:engineer"), Role::kEngineer);
  EXPECT_FALSE(role_from_uri("urn:dermad:role:root"));
  EXPECT_FALSE(role_from_uri("https://example.org/urn:dermad:role:engineer"));
}

}  // namespace
}  // namespace dermad::api
