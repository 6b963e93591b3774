// Secure random bytes, SHA-256 and constant-time comparison, from libsodium.
//
// Use these for anything an attacker must not guess or time: enrollment
// tokens, node keys, session ids, password reset codes. Not for simulations
// or tests that need reproducible values (use a seeded absl::BitGen there).
//
// Thread safety: all functions are thread-safe; the first call initializes
// libsodium exactly once (an initialization failure aborts: without a random
// source nothing secure can be done).

#ifndef ARDOISE_COMMON_RANDOM_H_
#define ARDOISE_COMMON_RANDOM_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace ardoise {

// `n` cryptographically secure random bytes.
std::string RandomBytes(size_t n);

// Lowercase hex of `n_bytes` random bytes (2 * n_bytes characters).
std::string RandomHex(size_t n_bytes);

// Lowercase hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Compares secrets in time that depends only on their length, so a timing
// attacker learns nothing about where they differ. Different lengths compare
// unequal (lengths are not secret: tokens have a fixed size).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_RANDOM_H_
