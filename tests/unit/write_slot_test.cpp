// The stream rules of write_slot.hpp, as gRPC's reactions can arrive in any order.
#include "daemon/api/write_slot.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dermad::api {
namespace {

TEST(WriteSlot, OneWriteAtATime) {
  WriteSlot<std::string> slot;
  ASSERT_TRUE(slot.free());
  slot.take() = "first";
  EXPECT_FALSE(slot.free());
  EXPECT_TRUE(slot.writing());
  EXPECT_FALSE(slot.written());  // no finish waited
  EXPECT_TRUE(slot.free());
  EXPECT_EQ(slot.take(), "first");  // the buffer is reused, the caller overwrites it
}

TEST(WriteSlot, AFinishWhileAWriteIsOutWaitsForIt) {
  WriteSlot<std::string> slot;
  slot.take();
  EXPECT_FALSE(slot.finish(grpc::Status::CANCELLED));
  EXPECT_TRUE(slot.finishing());
  EXPECT_FALSE(slot.free());
  const auto st = slot.written();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_FALSE(slot.free());  // finishing: nothing more is written
  EXPECT_FALSE(slot.written());
}

TEST(WriteSlot, FinishIsHandedOutOnceAndTheFirstStatusWins) {
  WriteSlot<std::string> slot;
  const auto st = slot.finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping"));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->error_message(), "stopping");
  EXPECT_FALSE(slot.finish(grpc::Status::OK));
  EXPECT_FALSE(slot.finish(grpc::Status::CANCELLED));
  EXPECT_FALSE(slot.free());
}

TEST(WriteSlot, TwoFinishesDuringAWriteGiveTheFirstOnceTheWriteIsBack) {
  WriteSlot<std::string> slot;
  slot.take();
  EXPECT_FALSE(slot.finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad ack")));
  EXPECT_FALSE(slot.finish(grpc::Status::CANCELLED));
  const auto st = slot.written();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace dermad::api
