// The pen's identity as `dermactl info` shows it.
#include "daemon/identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace dermad {
namespace {

std::string temp_file(const std::string& bytes) {
  char tmpl[] = "/tmp/dermad-identity-XXXXXX";
  const int fd = mkstemp(tmpl);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return tmpl;
}

TEST(Identity, TheSerialIsTheFilesFirstLineTrimmedAsTheDeviceTreeWritesIt) {
  const std::string path = temp_file(std::string("  10000000a1b2c3d4\0", 19) + "\nsecond line\n");
  std::string problem;
  const Identity id = board_identity(path, "B", problem);
  EXPECT_EQ(id.serial, "10000000a1b2c3d4");
  EXPECT_EQ(id.hardware_revision, "B");
  EXPECT_FALSE(id.build.empty());
  EXPECT_EQ(problem, "");
  unlink(path.c_str());
}

TEST(Identity, AnUnreadableOrEmptySerialSaysUnknownAndWhy) {
  std::string problem;
  Identity id = board_identity("/nonexistent/serial-number", "", problem);
  EXPECT_EQ(id.serial, "unknown");
  EXPECT_EQ(id.hardware_revision, "unknown");
  EXPECT_EQ(problem, "/nonexistent/serial-number: No such file or directory");
  const std::string empty = temp_file(" \n");
  problem.clear();
  id = board_identity(empty, "A", problem);
  EXPECT_EQ(id.serial, "unknown");
  EXPECT_EQ(problem, empty + " is empty");
  unlink(empty.c_str());
  problem.clear();
  board_identity("", "A", problem);
  EXPECT_EQ(problem, "the board file names no identity.serial_file");
}

TEST(Identity, TheSimulatedPenIsNamedAfterTheMachine) {
  const Identity id = sim_identity();
  EXPECT_EQ(id.serial.rfind("SIM-", 0), 0u);
  EXPECT_EQ(id.serial.size(), 12u);
  EXPECT_EQ(id.hardware_revision, "sim");
}

}  // namespace
}  // namespace dermad
