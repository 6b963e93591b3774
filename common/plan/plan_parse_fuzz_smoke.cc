// The plan fuzz target's smoke run (LLVMFuzzerTestOneInput in
// plan_parse_fuzzer.cc): the shared mutation loop (common/yaml/fuzz_smoke.h)
// over a seed folder, plus hostile hand-written inputs and the YAML tokens
// and plan words spliced into the seeds.
//
// Usage: plan_parse_fuzz_smoke SEED_DIR   (exits 0, or aborts on a finding)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/yaml/fuzz_smoke.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

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

std::vector<std::string_view> Tokens() {
  return {":",
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
}

}  // namespace

int main(int argc, char** argv) {
  return ardoise::RunFuzzSmoke(argc, argv, "plan_parse_fuzz_smoke",
                               LLVMFuzzerTestOneInput,
                               {HandWritten(), Tokens()});
}
