#include "hal/cartridge_eeprom.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace dermad::hal {

namespace {

constexpr std::array<uint8_t, 4> kMagic{'D', 'R', 'M', 'C'};
constexpr std::size_t kTypeAt = 5, kNeedlesAt = 6, kSerialAt = 8, kLotAt = 24, kDateAt = 40,
                      kReservedAt = 44, kCrcAt = 60, kTextLen = 16;
constexpr uint32_t kMaxNeedles = 1000;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

uint32_t le32(std::span<const uint8_t> b, std::size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// A NUL-padded ASCII field: printable characters, then only NULs.
std::optional<std::string> text_field(std::span<const uint8_t> b, std::size_t at) {
  std::string s;
  std::size_t i = 0;
  for (; i < kTextLen && b[at + i] != 0; ++i) {
    if (b[at + i] < 0x20 || b[at + i] > 0x7e) return std::nullopt;
    s.push_back(static_cast<char>(b[at + i]));
  }
  for (; i < kTextLen; ++i) {
    if (b[at + i] != 0) return std::nullopt;
  }
  return s;
}

bool printable(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool valid_date(int y, unsigned m, unsigned d) {
  return y >= 2000 && y <= 2199 &&
         std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                     std::chrono::day{d}}
             .ok();
}

uint8_t type_code(CartridgeType t) {
  switch (t) {
    case CartridgeType::kStandard:
      return 1;
    case CartridgeType::kNano:
      return 2;
    case CartridgeType::kGoldNano:
      return 3;
    case CartridgeType::kUnknown:
      break;
  }
  return 0;
}

}  // namespace

uint32_t crc32_ieee(std::span<const uint8_t> bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : bytes) c = kCrcTable[(c ^ b) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

EepromDecode decode_cartridge_eeprom(std::span<const uint8_t> b) {
  if (b.size() < kEepromImageSize) {
    return {std::nullopt, "the image is " + std::to_string(b.size()) + " bytes; the layout needs " +
                              std::to_string(kEepromImageSize)};
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), b.begin())) {
    const bool blank = le32(b, 0) == 0xFFFFFFFFu || le32(b, 0) == 0;
    return {std::nullopt, blank ? "the EEPROM is blank (never programmed)"
                                : "not a dermad cartridge (magic " + hex32(le32(b, 0)) + ")"};
  }
  if (b[4] != kEepromLayoutVersion) {
    return {std::nullopt, "layout version " + std::to_string(b[4]) +
                              " is unknown to this dermad (it reads version " +
                              std::to_string(kEepromLayoutVersion) + ")"};
  }
  const uint32_t stored = le32(b, kCrcAt);
  const uint32_t computed = crc32_ieee(b.first(kCrcAt));
  if (stored != computed) {
    return {std::nullopt, "CRC mismatch (stored " + hex32(stored) + ", computed " +
                              hex32(computed) + "): the EEPROM is damaged"};
  }
  // The CRC matched, so what follows is what production wrote: a bad field is a production
  // fault, refused all the same.
  CartridgeInfo c;
  switch (b[kTypeAt]) {
    case 1:
      c.type = CartridgeType::kStandard;
      break;
    case 2:
      c.type = CartridgeType::kNano;
      break;
    case 3:
      c.type = CartridgeType::kGoldNano;
      break;
    default:
      return {std::nullopt, "cartridge type " + std::to_string(b[kTypeAt]) + " is unknown"};
  }
  c.needles = uint32_t{b[kNeedlesAt]} | uint32_t{b[kNeedlesAt + 1]} << 8;
  if (c.needles == 0 || c.needles > kMaxNeedles) {
    return {std::nullopt, std::to_string(c.needles) + " needles is not a cartridge"};
  }
  const auto serial = text_field(b, kSerialAt);
  if (!serial || serial->empty()) return {std::nullopt, "the serial is empty or not ASCII"};
  const auto lot = text_field(b, kLotAt);
  if (!lot) return {std::nullopt, "the lot is not ASCII"};
  const int year = b[kDateAt] | b[kDateAt + 1] << 8;
  const unsigned month = b[kDateAt + 2], day = b[kDateAt + 3];
  if (!valid_date(year, month, day)) {
    return {std::nullopt, "the expiry " + std::to_string(year) + "-" + std::to_string(month) + "-" +
                              std::to_string(day) + " is not a date"};
  }
  for (std::size_t i = kReservedAt; i < kCrcAt; ++i) {
    if (b[i] != 0) return {std::nullopt, "reserved byte " + std::to_string(i) + " is not zero"};
  }
  c.serial = *serial;
  c.lot = *lot;
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02u-%02u", year, month, day);
  c.expires = date;
  c.checksum_ok = true;
  return {std::move(c), ""};
}

std::optional<EepromImage> encode_cartridge_eeprom(const CartridgeInfo& c, std::string& problem) {
  EepromImage img{};
  std::copy(kMagic.begin(), kMagic.end(), img.begin());
  img[4] = kEepromLayoutVersion;
  img[kTypeAt] = type_code(c.type);
  if (img[kTypeAt] == 0) {
    problem = "type: a cartridge must be standard, nano or gold-nano";
    return std::nullopt;
  }
  if (c.needles == 0 || c.needles > kMaxNeedles) {
    problem =
        "needles: " + std::to_string(c.needles) + " is outside 1.." + std::to_string(kMaxNeedles);
    return std::nullopt;
  }
  img[kNeedlesAt] = static_cast<uint8_t>(c.needles & 0xFFu);
  img[kNeedlesAt + 1] = static_cast<uint8_t>(c.needles >> 8);
  struct Text {
    const char* name;
    const std::string& text;
    std::size_t at;
    bool required;
  };
  for (const Text& t :
       {Text{"serial", c.serial, kSerialAt, true}, Text{"lot", c.lot, kLotAt, false}}) {
    if (t.text.size() > kTextLen || !printable(t.text) || (t.text.empty() && t.required)) {
      problem = std::string(t.name) + ": '" + t.text + "' must be " + (t.required ? "1" : "0") +
                " to 16 printable ASCII characters";
      return std::nullopt;
    }
    std::memcpy(img.data() + t.at, t.text.data(), t.text.size());
  }
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (c.expires.size() != 10 ||
      std::sscanf(c.expires.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !valid_date(y, m, d)) {
    problem = "expires: '" + c.expires + "' is not a date YYYY-MM-DD between 2000 and 2199";
    return std::nullopt;
  }
  img[kDateAt] = static_cast<uint8_t>(y & 0xFF);
  img[kDateAt + 1] = static_cast<uint8_t>(y >> 8);
  img[kDateAt + 2] = static_cast<uint8_t>(m);
  img[kDateAt + 3] = static_cast<uint8_t>(d);
  const uint32_t crc = crc32_ieee(std::span<const uint8_t>(img).first(kCrcAt));
  for (int i = 0; i < 4; ++i) img[kCrcAt + i] = static_cast<uint8_t>(crc >> (8 * i));
  return img;
}

}  // namespace dermad::hal
