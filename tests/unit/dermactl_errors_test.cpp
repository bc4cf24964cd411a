#include <gtest/gtest.h>

#include "tools/dermactl/errors.hpp"

namespace dermad::ctl {
namespace {

const std::string kTarget = "unix:/tmp/x.sock";

TEST(DermactlErrors, RefusalsExitThree) {
  const auto r = describe_rpc_error(
      {grpc::StatusCode::FAILED_PRECONDITION, "not idle; no cartridge"}, kTarget, false);
  EXPECT_EQ(r.exit_code, kExitRefused);
  EXPECT_EQ(r.stderr_line, "dermactl: refused: FAILED_PRECONDITION: not idle; no cartridge\n");
  EXPECT_TRUE(r.stdout_json.empty());

  for (auto code : {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::PERMISSION_DENIED,
                    grpc::StatusCode::UNIMPLEMENTED, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    EXPECT_EQ(describe_rpc_error({code, "x"}, kTarget, false).exit_code, kExitRefused);
  }
}

TEST(DermactlErrors, ARuleToAcknowledgeSaysWhichOptionDoesIt) {
  auto r = describe_rpc_error({grpc::StatusCode::FAILED_PRECONDITION,
                               "screening rule consultation must be acknowledged: none on record"},
                              kTarget, false);
  EXPECT_EQ(r.stderr_line,
            "dermactl: refused: FAILED_PRECONDITION: screening rule consultation must be "
            "acknowledged: none on record (acknowledge it with --ack consultation)\n");
  r = describe_rpc_error({grpc::StatusCode::FAILED_PRECONDITION,
                          "no cartridge; screening rule anticoagulants must be acknowledged: x"},
                         kTarget, false, true);
  EXPECT_NE(r.stderr_line.find("  - screening rule anticoagulants must be acknowledged: x "
                               "(acknowledge it with --ack anticoagulants)\n"),
            std::string::npos)
      << r.stderr_line;
}

TEST(DermactlErrors, RefusalAsJson) {
  const auto r =
      describe_rpc_error({grpc::StatusCode::INVALID_ARGUMENT, "depth 5000 um"}, kTarget, true);
  EXPECT_EQ(r.stdout_json,
            "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"message\":\"depth 5000 um\","
            "\"reasons\":[\"depth 5000 um\"]}}\n");
}

TEST(DermactlErrors, UnavailableExitsFour) {
  const auto r = describe_rpc_error({grpc::StatusCode::UNAVAILABLE, "no connection within 3 s"},
                                    kTarget, true);
  EXPECT_EQ(r.exit_code, kExitUnreachable);
  EXPECT_EQ(r.stderr_line,
            "dermactl: cannot reach dermad at unix:/tmp/x.sock: no connection within 3 s\n");
  EXPECT_NE(r.stdout_json.find("\"code\":\"UNAVAILABLE\""), std::string::npos);
}

TEST(DermactlErrors, EmptyMessageLeavesNoDanglingColon) {
  EXPECT_EQ(describe_rpc_error({grpc::StatusCode::UNIMPLEMENTED, ""}, kTarget, false).stderr_line,
            "dermactl: refused: UNIMPLEMENTED\n");
}

TEST(DermactlErrors, CodeNames) {
  EXPECT_EQ(status_code_name(grpc::StatusCode::FAILED_PRECONDITION), "FAILED_PRECONDITION");
  EXPECT_EQ(status_code_name(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
}

}  // namespace
}  // namespace dermad::ctl
