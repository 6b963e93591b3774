// Runs LLVMFuzzerTestOneInput (plan_parse_fuzzer.cc) over a seed folder and
// deterministic mutations of it, so every ctest run (gcc builds included)
// exercises the fuzz target for a few seconds: each seed as is, its
// truncations at every 97th byte, ~2,000 inputs with random byte flips and
// YAML-token splices (fixed seed), and a few hostile hand-written inputs.
//
// Usage: plan_parse_fuzz_smoke SEED_DIR   (exits 0, or aborts on a finding)

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
  const std::string head = "title: t\nlevels: [CP]\nsteps:\n";
  std::vector<std::string> inputs = {
      "",
      "\n",
      "---\n---\n",
      "title: t\n---\ntitle: t\n",
      "title: &a t\nsubject: *a\nlevels: [CP]\nsteps: []\n",
      "a: &a [*a]\n",
      "title: t\n\t- tab\n",
      std::string("title: t\0levels: x\n", 20),
      "? [a, b]\n: c\n",
      head +
          "  - {title: a, duration: 4h, tablets: lock, whiteboard: none}\n"
          "  - {title: b, duration: 1m, tablets: free, whiteboard: none}\n",
      head +
          "  - {title: a, duration: 99999999999999h, tablets: lock, "
          "whiteboard: none}\n",
      head +
          "  - {title: a, duration: 10m, tablets: {app: ../../bin/sh}, "
          "whiteboard: none}\n",
      head +
          "  - {title: a, duration: 10m, tablets: {url: "
          "\"javascript:alert(1)\"}, whiteboard: none}\n",
      head +
          "  - {title: a, duration: 10m, tablets: {lock: [x]}, "
          "whiteboard: {app: a, url: b}}\n",
      head +
          "  - {title: \"\xC3\x28\", duration: 10m, tablets: lock, "
          "whiteboard: none}\n",
      head +
          "  - {title: a, duration: 10m, tablets: {coding: x}, "
          "whiteboard: none}\n",
      "!!binary AAAA\n",
      "title: !!map {}\n",
      "%YAML 1.2\n---\ntitle: t\n",
      "\xEF\xBB\xBFtitle: t\n",
      "\xFF\xFE\x00t\x00i\x00",
      // yaml-cpp 0.7 loops on a stray flow token at block level.
      ",x: 1\n",
      "# comment\n  ,teps: [a]\n",
      "title: t\n]\n",
  };
  // Deep nesting: yaml-cpp's depth guard must turn it into an error.
  inputs.push_back(std::string(5000, '[') + std::string(5000, ']'));
  inputs.push_back(head + "  - " + std::string(3000, '{'));
  // 51 steps, and a plan of 50 steps of 5 min (4h10).
  std::string many = head;
  for (int i = 0; i < 51; ++i) {
    many += "  - {title: s, duration: 5m, tablets: lock, whiteboard: none}\n";
  }
  inputs.push_back(many);
  // Just under and over the size cap.
  std::string big = head +
                    "  - {title: a, duration: 10m, tablets: lock, "
                    "whiteboard: none}\n#";
  big.resize(64 * 1024, 'x');
  inputs.push_back(big);
  big.push_back('x');
  inputs.push_back(big);
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: plan_parse_fuzz_smoke SEED_DIR\n";
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

  static const char* const kTokens[] = {":",
                                        "- ",
                                        "[",
                                        "]",
                                        "{",
                                        "}",
                                        ",",
                                        "\n  ",
                                        "\"",
                                        "'",
                                        "&a ",
                                        "*a",
                                        "#",
                                        "\t",
                                        "~",
                                        "null",
                                        "true",
                                        "-",
                                        "0s",
                                        "1h75",
                                        "5h",
                                        "lock",
                                        "free",
                                        "none",
                                        "pupil_screen",
                                        "{app: gcompris}",
                                        "{url: \"http://\"}",
                                        "\xC3\xA9",
                                        "\\",
                                        "|\n",
                                        ">\n",
                                        "CM1",
                                        "steps:\n"};
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
  std::cout << "plan_parse_fuzz_smoke: " << count << " inputs from "
            << seeds.size() << " seeds in " << seconds << " s, no finding\n";
  return 0;
}
