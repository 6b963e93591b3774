// The fuzz smoke driver shared by the YAML parsers' fuzz targets
// (common/policy/policy_parse_fuzz_smoke.cc, common/plan/...): runs a
// libFuzzer entry point over a seed folder and deterministic mutations of
// it, so every ctest run (gcc builds included) exercises the target for a few
// seconds: the hand-written inputs, each seed as is, its truncations at every
// 97th byte, and ~2,000 inputs with random byte flips, token splices and
// drops (fixed seed, so a finding reproduces).
//
// Contract: the target aborts on a finding; RunFuzzSmoke returns main()'s
// exit code: 0 after a clean run, 2 on bad usage, 1 when SEED_DIR holds no
// *.yaml file.
//
// Thread safety: runs on the calling thread; meant to be all of main().

#ifndef ARDOISE_COMMON_YAML_FUZZ_SMOKE_H_
#define ARDOISE_COMMON_YAML_FUZZ_SMOKE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ardoise {

// What one fuzz target adds to the shared mutation loop.
struct FuzzSmokeInputs {
  // Hostile inputs run first, as is.
  std::vector<std::string> hand_written;
  // Snippets spliced into seeds (YAML tokens and the format's own words).
  std::vector<std::string_view> tokens;
};

// main() of a smoke driver named `name`, used as "NAME SEED_DIR": feeds
// `fuzz` as described above and prints a one-line summary.
int RunFuzzSmoke(int argc, char** argv, std::string_view name,
                 int (*fuzz)(const uint8_t* data, size_t size),
                 const FuzzSmokeInputs& inputs);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_YAML_FUZZ_SMOKE_H_
