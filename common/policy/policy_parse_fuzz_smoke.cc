// Runs LLVMFuzzerTestOneInput (policy_parse_fuzzer.cc) over a seed folder and
// deterministic mutations of it, so every ctest run (gcc builds included)
// exercises the fuzz target for a few seconds: each seed as is, its
// truncations at every 97th byte, ~2,000 inputs with random byte flips and
// YAML-token splices (fixed seed), and a few hostile hand-written inputs.
//
// Usage: policy_parse_fuzz_smoke SEED_DIR   (exits 0, or aborts on a finding)

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr int kFlipInputs = 2000;

void Run(const std::string& input, long* count) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
  ++*count;
}

std::vector<std::string> HandWritten() {
  std::vector<std::string> inputs = {
      "",
      "\n",
      "---\n---\n",
      "scope: city\n---\nscope: city\n",
      "scope: city\ntimezone: ../../../etc/passwd\n",
      "scope: city\ntimezone: /etc/localtime\n",
      "scope: &a city\ntimezone: *a\n",
      "scope: city\napps: &x [a, b]\nurls: *x\n",
      "a: &a [*a]\n",
      "scope: city\n\t- tab\n",
      std::string("scope: city\0timezone: x\n", 25),
      "scope: {school: [1]}\n",
      "scope: {school: a, pool: b}\n",
      "? [a, b]\n: c\n",
      "scope: city\nschool_hours: {monday: [\"23:59-24:00\", "
      "\"00:00-00:01\"]}\n",
      "scope: city\nretention: 99999999999999999999\n",
      "scope: city\nweekly_allowance: 9999999999999h\n",
      "scope: city\nholidays: [{name: a, from: 2026-02-29, to: 2026-03-01}]\n",
      "!!binary AAAA\n",
      "scope: !!map {}\n",
      "%YAML 1.2\n---\nscope: city\n",
      "\xEF\xBB\xBFscope: city\n",
      "\xFF\xFE\x00s\x00c\x00",
      // yaml-cpp 0.7 loops on a stray flow token at block level.
      ",x: 1\n",
      "# comment\n  ,hursday: [\"08:30-11:30\"]\n",
      "scope: city\n]\n",
  };
  // Deep nesting: yaml-cpp's depth guard must turn it into an error.
  inputs.push_back(std::string(5000, '[') + std::string(5000, ']'));
  inputs.push_back("scope: city\napps: " + std::string(3000, '{'));
  // Just under and over the size cap.
  std::string big = "scope: city\n#";
  big.resize(256 * 1024, 'x');
  inputs.push_back(big);
  big.push_back('x');
  inputs.push_back(big);
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: policy_parse_fuzz_smoke SEED_DIR\n";
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> seeds;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.path().extension() == ".yaml") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::cerr << "no *.yaml seeds in " << argv[1] << "\n";
    return 1;
  }

  long count = 0;
  for (const std::string& input : HandWritten()) Run(input, &count);
  for (const std::string& seed : seeds) {
    Run(seed, &count);
    for (size_t cut = 0; cut < seed.size(); cut += 97) {
      Run(seed.substr(0, cut), &count);
    }
  }

  static const char* const kTokens[] = {
      ":",        "- ",   "[",          "]",    "{",      "}",
      ",",        "\n  ", "\"",         "'",    "&a ",    "*a",
      "#",        "\t",   "~",          "null", "24:00",  "-",
      "0s",       "1h75", "2027-02-30", "pc",   "tablet", "scope: city\n",
      "\xC3\xA9", "\\",   "|\n",        ">\n"};
  std::mt19937 rng(20270517);  // fixed: the smoke run is reproducible
  for (int i = 0; i < kFlipInputs; ++i) {
    std::string input = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const size_t at = rng() % input.size();
      switch (rng() % 3) {
        case 0:  // flip one byte
          input[at] = static_cast<char>(input[at] ^ (1u << (rng() % 8)));
          break;
        case 1:  // splice a YAML token
          input.insert(at, kTokens[rng() % std::size(kTokens)]);
          break;
        default:  // drop a few bytes
          input.erase(at, 1 + rng() % 8);
          break;
      }
    }
    Run(input, &count);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::cout << "policy_parse_fuzz_smoke: " << count << " inputs from "
            << seeds.size() << " seeds in " << seconds << " s, no finding\n";
  return 0;
}
