#include "common/random.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(RandomTest, RandomBytesHaveTheRequestedSizeAndDiffer) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  std::string a = RandomBytes(32);
  std::string b = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);  // 2^-256 chance of a false failure
}

TEST(RandomTest, RandomHexIsLowercaseHex) {
  std::string hex = RandomHex(16);
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(RandomHex(0), "");
}

TEST(RandomTest, RandomBytesCoverEveryByteValue) {
  std::string bytes = RandomBytes(64 * 1024);
  std::set<unsigned char> seen(bytes.begin(), bytes.end());
  EXPECT_EQ(seen.size(), 256u);
}

TEST(RandomTest, ThreadSafeFirstUse) {
  std::vector<std::thread> threads;
  std::vector<std::string> out(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&out, i] { out[i] = RandomHex(8); });
  }
  for (auto& t : threads) t.join();
  for (const std::string& s : out) EXPECT_EQ(s.size(), 16u);
}

TEST(RandomTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string("a\0b", 3)),
            Sha256Hex(std::string("a\0b", 3)));
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

TEST(RandomTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(
      ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomTest, HexEncode) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\x7f\x80\xab\xff", 6)),
            "00017f80abff");
  EXPECT_EQ(HexEncode("Ardoise"), "4172646f697365");
}

}  // namespace
}  // namespace ardoise
