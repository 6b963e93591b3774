// Writes the seed corpus of agent_link_fuzzer (format in
// agent_link_fuzzer.cc) into a folder: realistic streams of an agent that
// says Hello, reports its state, acks commands and sends usage batches.
//
// Usage: agent_link_fuzz_seeds DIR

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "common/proto_time.h"
#include "common/version.h"

namespace ardoise {
namespace {

const absl::Time kMonday = absl::FromCivil(
    absl::CivilSecond(2026, 9, 7, 9, 0, 0), absl::UTCTimeZone());

// flags byte, then each message as 2-byte little-endian length + bytes.
std::string Encode(uint8_t flags, const std::vector<v1::AgentMessage>& in) {
  std::string out(1, static_cast<char>(flags));
  for (const v1::AgentMessage& message : in) {
    const std::string bytes = message.SerializeAsString();
    out.push_back(static_cast<char>(bytes.size() & 0xff));
    out.push_back(static_cast<char>((bytes.size() >> 8) & 0xff));
    out += bytes;
  }
  return out;
}

v1::AgentMessage Hello(const std::string& epoch, int64_t next_seq) {
  v1::AgentMessage message;
  v1::Hello* hello = message.mutable_hello();
  hello->set_protocol_version(kProtocolVersion);
  hello->set_agent_version("0.1.0");
  hello->set_manual_lock_version(1);
  hello->set_last_command_seq(2);
  hello->set_usage_epoch(epoch);
  hello->set_usage_next_seq(next_seq);
  hello->mutable_state()->set_activity("home");
  return message;
}

v1::AgentMessage State(bool locked) {
  v1::AgentMessage message;
  v1::DeviceState* state = message.mutable_state()->mutable_state();
  state->set_locked(locked);
  state->set_lock_message(locked ? "Les yeux au tableau" : "");
  state->set_activity("gcompris");
  state->set_policy_version(3);
  ToProto(kMonday, state->mutable_observed_at());
  return message;
}

v1::AgentMessage Ack(int64_t seq) {
  v1::AgentMessage message;
  message.mutable_command_ack()->set_seq(seq);
  return message;
}

v1::AgentMessage Usage(const std::string& epoch, int64_t first, int count) {
  v1::AgentMessage message;
  v1::UsageBatch* batch = message.mutable_usage();
  batch->set_epoch(epoch);
  for (int i = 0; i < count; ++i) {
    v1::UsageInterval* interval = batch->add_intervals();
    interval->set_seq(first + i);
    interval->set_kind(i == 0 ? v1::INTERVAL_KIND_BOOT
                              : v1::INTERVAL_KIND_AGENT_UP);
    const absl::Time start = kMonday + absl::Minutes(10 * i);
    ToProto(start, interval->mutable_start());
    ToProto(start + absl::Minutes(9), interval->mutable_end());
    interval->set_in_use(i % 2 == 0);
    interval->set_locked(i % 3 == 0);
    interval->set_activity("gcompris");
  }
  return message;
}

}  // namespace
}  // namespace ardoise

int main(int argc, char** argv) {
  using namespace ardoise;  // NOLINT: a short tool
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"hello-only", Encode(0, {Hello("e1", 1)})},
      {"hello-state", Encode(0, {Hello("", 0), State(false), State(true)})},
      {"hello-acks", Encode(0, {Hello("e1", 1), Ack(1), Ack(2), Ack(2)})},
      {"hello-usage",
       Encode(0, {Hello("e1", 1), Usage("e1", 1, 5), Usage("e1", 6, 3)})},
      {"auto-hello-usage", Encode(1, {Usage("e2", 1, 2), State(false)})},
      {"no-hello", Encode(0, {State(false), Ack(1)})},
      {"mixed", Encode(1, {State(true), Ack(3), Usage("e3", 1, 4),
                           Usage("e3", 3, 4), State(false)})},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(std::string(argv[1]) + "/" + name + ".bin",
                      std::ios::binary);
    out << bytes;
    if (!out) {
      std::fprintf(stderr, "cannot write %s/%s.bin\n", argv[1], name.c_str());
      return 1;
    }
  }
  return 0;
}
