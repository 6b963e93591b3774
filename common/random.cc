#include "common/random.h"

#include <sodium.h>

#include <mutex>

#include "common/logging.h"

namespace ardoise {
namespace {

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      ARDOISE_LOG(FATAL) << "libsodium failed to initialize (is /dev/urandom "
                            "readable?)";
    }
  });
}

}  // namespace

std::string RandomBytes(size_t n) {
  InitSodium();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string RandomHex(size_t n_bytes) {
  return HexEncode(RandomBytes(n_bytes));
}

std::string Sha256Hex(std::string_view data) {
  InitSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(
      digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return HexEncode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  InitSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    unsigned char b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace ardoise
