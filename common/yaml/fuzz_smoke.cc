#include "common/yaml/fuzz_smoke.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

namespace ardoise {
namespace {

constexpr int kFlipInputs = 2000;

}  // namespace

int RunFuzzSmoke(int argc, char** argv, std::string_view name,
                 int (*fuzz)(const uint8_t* data, size_t size),
                 const FuzzSmokeInputs& inputs) {
  if (argc != 2) {
    std::cerr << "usage: " << name << " SEED_DIR\n";
    return 2;
  }
  if (inputs.tokens.empty()) {
    std::cerr << name << ": no tokens to splice\n";
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
  const auto run = [&count, fuzz](const std::string& input) {
    fuzz(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++count;
  };
  for (const std::string& input : inputs.hand_written) run(input);
  for (const std::string& seed : seeds) {
    run(seed);
    for (size_t cut = 0; cut < seed.size(); cut += 97) {
      run(seed.substr(0, cut));
    }
  }

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
        case 1: {  // splice a token
          const std::string_view token =
              inputs.tokens[rng() % inputs.tokens.size()];
          input.insert(at, token.data(), token.size());
          break;
        }
        default:  // drop a few bytes
          input.erase(at, 1 + rng() % 8);
          break;
      }
    }
    run(input);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::cout << name << ": " << count << " inputs from " << seeds.size()
            << " seeds in " << seconds << " s, no finding\n";
  return 0;
}

}  // namespace ardoise
