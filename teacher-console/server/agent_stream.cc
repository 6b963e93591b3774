// AgentStream: see agent_stream.h.
#include "teacher-console/server/agent_stream.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/random.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/usage_store.h"

namespace ardoise {

void CommitRekeyLater(const ConsoleContext& context,
                      const std::string& device_id,
                      const std::string& key_hash) {
  auto committed = std::make_shared<bool>(false);
  Registry* registry = context.registry;
  const absl::Time now = context.clock->Now();
  context.writer->Post(
      [id = device_id, key_hash, committed, now](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(*committed, CommitRekey(db, id, key_hash));
        if (!*committed) return absl::OkStatus();
        return AppendAudit(db, now, "device:" + id, "device.rekey.done", id,
                           "ok", "the agent stored its new node key");
      },
      [registry, id = device_id, key_hash, committed](absl::Status status) {
        if (!status.ok() || !*committed) return;
        registry->CommitRekey(id, key_hash);
        ARDOISE_LOG(INFO) << "device " << id
                          << " rotated its node key; the old one is refused "
                             "from now on";
      });
}

AgentStream::AgentStream(ConsoleContext context, std::string device_id,
                         std::string peer, LinkHandle* link)
    : context_(context),
      device_id_(std::move(device_id)),
      peer_(std::move(peer)),
      link_(link) {}

absl::Status AgentStream::Handle(const v1::AgentMessage& message) {
  // Every message after the Hello is a sign of life; a report says more.
  if (hello_seen_ && message.body_case() != v1::AgentMessage::kState) {
    context_.registry->Heard(device_id_);
  }
  switch (message.body_case()) {
    case v1::AgentMessage::kHello: {
      const v1::Hello& hello = message.hello();
      if (hello.protocol_version() != kProtocolVersion) {
        return absl::FailedPreconditionError(absl::StrCat(
            "this agent speaks protocol ", hello.protocol_version(),
            " and the console speaks ", kProtocolVersion,
            ": upgrade the agent (ardoise-agent ", kVersion, ")"));
      }
      context_.registry->OnHello(device_id_, hello, link_);
      hello_seen_ = true;
      usage_pipelined_ = hello.usage_pipelined();
      if (!hello.usage_epoch().empty()) AnswerUsageHello(hello);
      if (context_.connect_log == nullptr || context_.connect_log->Allow()) {
        ARDOISE_LOG(INFO) << "device " << device_id_ << " connected from "
                          << peer_ << " (agent " << hello.agent_version()
                          << ")";
      }
      return absl::OkStatus();
    }
    case v1::AgentMessage::kState:
      if (!hello_seen_) break;
      context_.registry->OnReport(device_id_, message.state().state());
      return absl::OkStatus();
    case v1::AgentMessage::kCommandAck: {
      if (!hello_seen_) break;
      const int64_t seq = message.command_ack().seq();
      Registry* registry = context_.registry;
      std::string id = device_id_;
      context_.writer->PostBackground(
          [id, seq](Database& db) { return DeleteCommand(db, id, seq); },
          [registry, id, seq](absl::Status status) {
            if (status.ok()) registry->RemoveCommand(id, seq);
          });
      return absl::OkStatus();
    }
    case v1::AgentMessage::kRekeyAck: {
      if (!hello_seen_) break;
      CommitRekeyLater(context_, device_id_, message.rekey_ack().key_hash());
      return absl::OkStatus();
    }
    case v1::AgentMessage::kUsage:
      if (!hello_seen_) break;
      return IngestBatch(message.usage());
    default:
      return absl::InvalidArgumentError("unknown message from the agent");
  }
  return absl::InvalidArgumentError("the first message must be a Hello");
}

// Tells a (re)connected agent what the console holds of its epoch, so it
// deletes what was stored before the ack was lost, or starts a new epoch
// when its data folder went back in time.
void AgentStream::AnswerUsageHello(const v1::Hello& hello) {
  Registry* registry = context_.registry;
  auto ack = std::make_shared<v1::UsageAck>();
  context_.writer->PostBackground(
      [id = device_id_, epoch = hello.usage_epoch(),
       next = hello.usage_next_seq(), ack](Database& db) -> absl::Status {
        ARDOISE_ASSIGN_OR_RETURN(*ack, UsageAckForHello(db, id, epoch, next));
        return absl::OkStatus();
      },
      [registry, id = device_id_, ack](absl::Status status) {
        if (!status.ok()) return;
        if (ack->restart_epoch()) {
          ARDOISE_LOG(WARNING)
              << "device " << id << " reused usage epoch " << ack->epoch()
              << " (data folder restored from an image?): told to start "
                 "a new one";
        }
        v1::ConsoleMessage out;
        *out.mutable_usage_ack() = *ack;
        registry->PushTo(id, std::move(out));
      });
}

// Posts a batch to the Writer; the ack goes out after the durable commit:
// at once when the agent asks or waits for it, otherwise at most once per
// usage_ack_every (it covers every batch stored before it).
absl::Status AgentStream::IngestBatch(const v1::UsageBatch& batch) {
  ARDOISE_RETURN_IF_ERROR(CheckUsageBatch(batch));
  if (usage_acks_->in_flight.load() >= kMaxUsageBatchesInFlight) {
    return absl::ResourceExhaustedError(
        "too many usage batches waiting to be stored: send one at a time "
        "while draining a backlog (UsageBatch.ack_now)");
  }
  auto place = context_.registry->PlaceOf(device_id_);
  if (!place.ok()) return place.status();
  UsagePlacement placement;
  placement.device_id = device_id_;
  placement.school = std::move(place->school);
  placement.pool = std::move(place->pool);
  placement.kind = place->kind;
  auto shared = std::make_shared<const v1::UsageBatch>(batch);
  auto result = std::make_shared<IngestResult>();
  Registry* registry = context_.registry;
  auto acks = usage_acks_;
  ++acks->in_flight;
  const bool ack_now = !usage_pipelined_ || batch.ack_now();
  const absl::Duration ack_every = context_.usage_ack_every;
  const Clock* clock = context_.clock;
  context_.writer->PostBackground(
      [placement, shared, result](Database& db) -> absl::Status {
        const absl::TimeZone zone = SchoolTimeZone(db, placement.school);
        ARDOISE_ASSIGN_OR_RETURN(*result,
                                 IngestUsage(db, placement, zone, *shared));
        return absl::OkStatus();
      },
      [registry, id = device_id_, result, acks, ack_now, ack_every,
       clock](absl::Status status) {
        --acks->in_flight;
        if (!status.ok()) {
          // Not acked: the agent sends it again.
          ARDOISE_LOG(WARNING)
              << "usage from " << id << " not stored: " << status.ToString();
          return;
        }
        const absl::Time now = clock->Now();
        if (!ack_now && now - acks->last_sent < ack_every) return;
        acks->last_sent = now;
        v1::ConsoleMessage out;
        out.mutable_usage_ack()->set_epoch(result->epoch);
        out.mutable_usage_ack()->set_acked_seq(result->acked_seq);
        registry->PushTo(id, std::move(out));
      });
  return absl::OkStatus();
}

}  // namespace ardoise
