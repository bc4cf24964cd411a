// dermad-eeprom: production's tool for cartridge EEPROMs. `write` programs the layout dermad
// reads (hal/cartridge_eeprom.hpp) into an nvmem file or an image file and reads it back;
// `show` decodes one and says whether dermad would accept it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "hal/cartridge_eeprom.hpp"

namespace {

using namespace dermad::hal;

constexpr const char* kUsage =
    R"(usage: dermad-eeprom write --serial S --type T --needles N --expires YYYY-MM-DD
                            [--lot L] FILE
       dermad-eeprom show FILE
       dermad-eeprom --help | --version

Programs and checks the identity EEPROM of a dermad needle cartridge: 64 bytes (magic,
layout version, type, needles, serial, lot, expiry, CRC-32), laid out in docs/BOARD.md.
FILE is the EEPROM's nvmem file on a programming fixture (for example
/sys/bus/nvmem/devices/1-00500/nvmem) or an image file, created if missing.

  write   encode, write at offset 0, read back and compare; exit 0 when the cartridge reads
          back as written
          --serial S      1 to 16 printable ASCII characters, unique per cartridge
          --type T        standard, nano or gold-nano
          --needles N     1..1000
          --expires D     the expiry date, YYYY-MM-DD (2000..2199)
          --lot L         the production lot, 0 to 16 printable ASCII characters
  show    print what the EEPROM says; exit 0 when dermad would accept it, 1 with the
          reason when it would not (blank, damaged, unknown layout)

Exit codes: 0 done, 1 the EEPROM is not valid or cannot be read or written, 2 usage.
)";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "dermad-eeprom: %s (see dermad-eeprom --help)\n", what.c_str());
  return 2;
}

bool read_bytes(const std::string& path, std::vector<uint8_t>& out, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  out.assign(kEepromImageSize, 0);
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return true;
}

void print(const CartridgeInfo& c) {
  std::printf("serial   %s\ntype     %s\nneedles  %u\nlot      %s\nexpires  %s\n", c.serial.c_str(),
              to_string(c.type), c.needles, c.lot.empty() ? "-" : c.lot.c_str(), c.expires.c_str());
}

int show(const std::string& path) {
  std::vector<uint8_t> bytes;
  std::string error;
  if (!read_bytes(path, bytes, error)) {
    std::fprintf(stderr, "dermad-eeprom: cannot read %s\n", error.c_str());
    return 1;
  }
  const auto d = decode_cartridge_eeprom(bytes);
  if (!d.info) {
    std::printf("INVALID: %s\n", d.problem.c_str());
    return 1;
  }
  print(*d.info);
  std::printf("valid    yes (layout %u, CRC-32 ok)\n", kEepromLayoutVersion);
  return 0;
}

int write(const std::map<std::string, std::string>& opts, const std::string& path) {
  for (const char* need : {"serial", "type", "needles", "expires"}) {
    if (!opts.count(need)) return usage_error(std::string("write needs --") + need);
  }
  CartridgeInfo c;
  c.serial = opts.at("serial");
  c.lot = opts.count("lot") ? opts.at("lot") : "";
  c.expires = opts.at("expires");
  const std::string& type = opts.at("type");
  c.type = type == "standard"    ? CartridgeType::kStandard
           : type == "nano"      ? CartridgeType::kNano
           : type == "gold-nano" ? CartridgeType::kGoldNano
                                 : CartridgeType::kUnknown;
  if (c.type == CartridgeType::kUnknown) {
    return usage_error("--type is standard, nano or gold-nano, not '" + type + "'");
  }
  const std::string& n = opts.at("needles");
  if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos) {
    return usage_error("--needles needs a number in 1..1000, not '" + n + "'");
  }
  c.needles = static_cast<uint32_t>(std::stoul(n));
  std::string problem;
  const auto img = encode_cartridge_eeprom(c, problem);
  if (!img) return usage_error(problem);

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "dermad-eeprom: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  const ssize_t w = ::pwrite(fd, img->data(), img->size(), 0);
  const int err = errno;
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL;  // sysfs files need no sync
  ::close(fd);
  if (w != static_cast<ssize_t>(img->size()) || !synced) {
    std::fprintf(stderr, "dermad-eeprom: writing %s failed: %s\n", path.c_str(),
                 std::strerror(w < 0 ? err : EIO));
    return 1;
  }
  // Read back: an EEPROM that did not take the bytes (write-protected, a bad part) is caught
  // here, not by a clinic.
  std::vector<uint8_t> back;
  std::string error;
  if (!read_bytes(path, back, error) || back.size() < img->size() ||
      !std::equal(img->begin(), img->end(), back.begin())) {
    std::fprintf(stderr, "dermad-eeprom: %s does not read back as written%s%s\n", path.c_str(),
                 error.empty() ? "" : ": ", error.c_str());
    return 1;
  }
  print(c);
  std::printf("written and verified: %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("a command is needed: write or show");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args[0] == "--version") {
    std::printf("dermad-eeprom %s (layout %u)\n", DERMAD_VERSION, kEepromLayoutVersion);
    return 0;
  }
  const std::string cmd = args[0];
  std::map<std::string, std::string> opts;
  std::vector<std::string> files;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      if (const auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return usage_error("--" + name + " needs a value");
      }
      if (cmd != "write" || (name != "serial" && name != "type" && name != "needles" &&
                             name != "expires" && name != "lot")) {
        return usage_error("unknown option --" + name + " for " + cmd);
      }
      opts[name] = value;
    } else {
      files.push_back(a);
    }
  }
  if (cmd != "write" && cmd != "show") return usage_error("unknown command '" + cmd + "'");
  if (files.size() != 1) return usage_error(cmd + " needs one FILE");
  return cmd == "show" ? show(files[0]) : write(opts, files[0]);
}
