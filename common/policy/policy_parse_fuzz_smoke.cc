// The policy fuzz target's smoke run (LLVMFuzzerTestOneInput in
// policy_parse_fuzzer.cc): the shared mutation loop (common/yaml/fuzz_smoke.h)
// over a seed folder, plus hostile hand-written inputs and the YAML tokens
// and policy words spliced into the seeds.
//
// Usage: policy_parse_fuzz_smoke SEED_DIR   (exits 0, or aborts on a finding)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/yaml/fuzz_smoke.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

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

std::vector<std::string_view> Tokens() {
  return {":",        "- ",   "[",          "]",    "{",      "}",
          ",",        "\n  ", "\"",         "'",    "&a ",    "*a",
          "#",        "\t",   "~",          "null", "24:00",  "-",
          "0s",       "1h75", "2027-02-30", "pc",   "tablet", "scope: city\n",
          "\xC3\xA9", "\\",   "|\n",        ">\n"};
}

}  // namespace

int main(int argc, char** argv) {
  return ardoise::RunFuzzSmoke(argc, argv, "policy_parse_fuzz_smoke",
                               LLVMFuzzerTestOneInput,
                               {HandWritten(), Tokens()});
}
