#include "daemon/identity.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace dermad {

namespace {

#ifndef DERMAD_BUILD
#define DERMAD_BUILD "unknown"
#endif

// The file's first line without NULs and surrounding whitespace; empty with `problem` set
// when it cannot be read or holds nothing.
std::string first_line(const std::string& path, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = path + ": " + std::strerror(errno);
    return "";
  }
  std::string line;
  std::getline(in, line);
  std::string out;
  for (char c : line) {
    if (c != '\0') out += c;
  }
  const auto b = out.find_first_not_of(" \t\r");
  const auto e = out.find_last_not_of(" \t\r");
  out = b == std::string::npos ? "" : out.substr(b, e - b + 1);
  if (out.empty()) problem = path + " is empty";
  return out;
}

}  // namespace

Identity board_identity(const std::string& serial_file, const std::string& hardware_revision,
                        std::string& problem) {
  Identity id{"unknown", hardware_revision.empty() ? "unknown" : hardware_revision, DERMAD_BUILD};
  if (serial_file.empty()) {
    problem = "the board file names no identity.serial_file";
    return id;
  }
  if (auto serial = first_line(serial_file, problem); !serial.empty()) id.serial = serial;
  return id;
}

Identity sim_identity() {
  std::string ignored;
  const std::string machine = first_line("/etc/machine-id", ignored);
  return {"SIM-" + (machine.empty() ? std::string("00000000") : machine.substr(0, 8)), "sim",
          DERMAD_BUILD};
}

}  // namespace dermad
