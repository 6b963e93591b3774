// What the console does with the messages of one device's AgentLink stream,
// apart from the gRPC plumbing: the Hello (registry, usage epoch answer),
// state reports, command acks and usage batches (checked, then ingested by
// the Writer and acked after the durable commit). The Connect reactor owns
// one per stream; the AgentLink fuzzer (tests/fuzz) drives it with a fake
// LinkHandle, so both run the same code. Usage acks are lazy for agents
// that pipeline their batches (ConsoleContext::usage_ack_every).
//
// Thread safety: Handle() is called by one thread at a time (the reactor's
// read chain). The callbacks it posts to the Writer only capture shared or
// long-lived state, so they may run after the AgentStream is gone.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_AGENT_STREAM_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_AGENT_STREAM_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.pb.h"
#include "teacher-console/server/registry.h"
#include "teacher-console/server/services.h"

namespace ardoise {

class AgentStream final {
 public:
  // `link` is the stream the device is attached with (Registry::Attach
  // succeeded for it); it must outlive this object.
  AgentStream(ConsoleContext context, std::string device_id, std::string peer,
              LinkHandle* link);
  AgentStream(const AgentStream&) = delete;
  AgentStream& operator=(const AgentStream&) = delete;

  // Handles one message from the agent. A non-OK status is the reason to
  // close the stream (INVALID_ARGUMENT for a malformed or out-of-order
  // message, FAILED_PRECONDITION for another protocol version,
  // RESOURCE_EXHAUSTED for an agent that does not wait for its acks).
  absl::Status Handle(const v1::AgentMessage& message);

 private:
  void AnswerUsageHello(const v1::Hello& hello);
  absl::Status IngestBatch(const v1::UsageBatch& batch);

  const ConsoleContext context_;
  const std::string device_id_;
  const std::string peer_;
  LinkHandle* const link_;
  bool hello_seen_ = false;
  // The agent pipelines its usage batches: acks may be lazy.
  bool usage_pipelined_ = false;
  // Shared with the Writer's done callbacks, which may run after this
  // object is gone.
  struct UsageAcks {
    // Batches posted to the Writer and not yet committed.
    std::atomic<int> in_flight{0};
    // When the last UsageAck for a batch went out (Writer thread only).
    absl::Time last_sent = absl::InfinitePast();
  };
  std::shared_ptr<UsageAcks> usage_acks_ = std::make_shared<UsageAcks>();
};

// Commits a node key rotation the device acknowledged (RekeyAck, or a
// stream opened with the pending key) through the Writer, then tells the
// Registry; a hash that is not the pending key's changes nothing.
void CommitRekeyLater(const ConsoleContext& context,
                      const std::string& device_id,
                      const std::string& key_hash);

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_AGENT_STREAM_H_
