// The cartridge EEPROM layout: what production writes is what dermad reads, and every damaged
// or foreign image is refused with its reason.
#include <gtest/gtest.h>

#include "hal/cartridge_eeprom.hpp"

namespace dermad::hal {
namespace {

CartridgeInfo sample() {
  CartridgeInfo c;
  c.serial = "CRT-000123";
  c.type = CartridgeType::kNano;
  c.needles = 36;
  c.lot = "L2026-11";
  c.expires = "2028-02-29";
  return c;
}

EepromImage encoded(const CartridgeInfo& c = sample()) {
  std::string problem;
  const auto img = encode_cartridge_eeprom(c, problem);
  EXPECT_TRUE(img) << problem;
  return img.value_or(EepromImage{});
}

void fix_crc(EepromImage& img) {
  const uint32_t crc = crc32_ieee(std::span<const uint8_t>(img).first(60));
  for (int i = 0; i < 4; ++i) img[60 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

TEST(CartridgeEeprom, Crc32IsTheIeeeOneEveryToolComputes) {
  const std::string check = "123456789";  // the standard check input: cbf43926
  EXPECT_EQ(crc32_ieee({reinterpret_cast<const uint8_t*>(check.data()), check.size()}),
            0xCBF43926u);
}

TEST(CartridgeEeprom, WhatIsWrittenIsReadBack) {
  const auto img = encoded();
  EXPECT_EQ(img[0], 'D');
  EXPECT_EQ(img[4], kEepromLayoutVersion);
  const auto d = decode_cartridge_eeprom(img);
  ASSERT_TRUE(d.info) << d.problem;
  EXPECT_EQ(d.info->serial, "CRT-000123");
  EXPECT_EQ(d.info->type, CartridgeType::kNano);
  EXPECT_EQ(d.info->needles, 36u);
  EXPECT_EQ(d.info->lot, "L2026-11");
  EXPECT_EQ(d.info->expires, "2028-02-29");
  EXPECT_TRUE(d.info->checksum_ok);
}

TEST(CartridgeEeprom, ALargerEepromsTailIsIgnored) {
  std::vector<uint8_t> bytes(256, 0xFF);
  const auto img = encoded();
  std::copy(img.begin(), img.end(), bytes.begin());
  EXPECT_TRUE(decode_cartridge_eeprom(bytes).info);
}

TEST(CartridgeEeprom, DamagedOrForeignImagesAreRefusedWithTheirReason) {
  auto flipped = encoded();
  flipped[10] ^= 0x01;
  EXPECT_EQ(decode_cartridge_eeprom(flipped).problem.rfind("CRC mismatch (stored ", 0), 0u);
  EXPECT_FALSE(decode_cartridge_eeprom(flipped).info);

  EepromImage blank;
  blank.fill(0xFF);
  EXPECT_EQ(decode_cartridge_eeprom(blank).problem, "the EEPROM is blank (never programmed)");

  auto foreign = encoded();
  foreign[0] = 'X';
  EXPECT_EQ(decode_cartridge_eeprom(foreign).problem.rfind("not a dermad cartridge (magic ", 0),
            0u);

  auto v2 = encoded();
  v2[4] = 2;
  fix_crc(v2);
  EXPECT_EQ(decode_cartridge_eeprom(v2).problem,
            "layout version 2 is unknown to this dermad (it reads version 1)");

  EXPECT_EQ(decode_cartridge_eeprom(std::span<const uint8_t>(encoded()).first(63)).problem,
            "the image is 63 bytes; the layout needs 64");
}

TEST(CartridgeEeprom, AProductionFaultBehindAGoodCrcIsStillRefused) {
  auto type = encoded();
  type[5] = 9;
  fix_crc(type);
  EXPECT_EQ(decode_cartridge_eeprom(type).problem, "cartridge type 9 is unknown");

  auto date = encoded();
  date[43] = 30;  // 2028-02-30
  fix_crc(date);
  EXPECT_EQ(decode_cartridge_eeprom(date).problem, "the expiry 2028-2-30 is not a date");

  auto serial = encoded();
  serial[8] = 0x07;
  fix_crc(serial);
  EXPECT_EQ(decode_cartridge_eeprom(serial).problem, "the serial is empty or not ASCII");

  auto tail = encoded();
  tail[8 + 12] = 'Z';  // text after the NUL padding began
  fix_crc(tail);
  EXPECT_EQ(decode_cartridge_eeprom(tail).problem, "the serial is empty or not ASCII");

  auto reserved = encoded();
  reserved[50] = 1;
  fix_crc(reserved);
  EXPECT_EQ(decode_cartridge_eeprom(reserved).problem, "reserved byte 50 is not zero");

  auto needles = encoded();
  needles[6] = needles[7] = 0;
  fix_crc(needles);
  EXPECT_EQ(decode_cartridge_eeprom(needles).problem, "0 needles is not a cartridge");
}

TEST(CartridgeEeprom, ProductionCannotWriteWhatDermadWouldRefuse) {
  std::string problem;
  auto c = sample();
  c.serial = "A-SERIAL-OF-17-CH";
  EXPECT_FALSE(encode_cartridge_eeprom(c, problem));
  EXPECT_EQ(problem, "serial: 'A-SERIAL-OF-17-CH' must be 1 to 16 printable ASCII characters");
  c = sample();
  c.serial = "";
  EXPECT_FALSE(encode_cartridge_eeprom(c, problem));
  c = sample();
  c.lot = "caf\xc3\xa9";
  EXPECT_FALSE(encode_cartridge_eeprom(c, problem));
  EXPECT_EQ(problem.rfind("lot: ", 0), 0u);
  for (const char* bad : {"2028-02-30", "2028-2-3", "1999-12-31", "2028-02-29x", "tomorrow"}) {
    c = sample();
    c.expires = bad;
    EXPECT_FALSE(encode_cartridge_eeprom(c, problem)) << bad;
    EXPECT_EQ(problem.rfind("expires: ", 0), 0u) << bad;
  }
  c = sample();
  c.type = CartridgeType::kUnknown;
  EXPECT_FALSE(encode_cartridge_eeprom(c, problem));
  c = sample();
  c.needles = 1001;
  EXPECT_FALSE(encode_cartridge_eeprom(c, problem));
  EXPECT_EQ(problem, "needles: 1001 is outside 1..1000");
}

}  // namespace
}  // namespace dermad::hal
