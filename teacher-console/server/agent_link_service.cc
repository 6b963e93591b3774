// AgentLink: enrollment and the devices' long-lived streams.
#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "teacher-console/server/services.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/usage_store.h"

namespace ardoise {
namespace {

constexpr char kClonedKeyFlag[] =
    "cloned-key: a second agent presented this device's node key while it "
    "was connected (cloned disk image?)";

std::string Metadata(const grpc::CallbackServerContext* ctx,
                     const std::string& key) {
  const auto& metadata = ctx->client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// One device's stream. Owns itself: deleted in OnDone. Writes go out one at
// a time from a bounded queue; the registry pushes into it.
class ConnectReactor final
    : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ConsoleMessage>,
      public LinkHandle {
 public:
  ConnectReactor(grpc::CallbackServerContext* ctx, ConsoleContext context)
      : context_(context),
        device_id_(Metadata(ctx, "x-ardoise-device")),
        peer_(ctx->peer()) {
    absl::Status attached = context_.registry->Attach(
        device_id_, Metadata(ctx, "x-ardoise-node-key"), this);
    if (!attached.ok()) {
      if (absl::IsAlreadyExists(attached)) FlagClone();
      ARDOISE_LOG(WARNING) << "refused stream from " << peer_ << " for device "
                           << device_id_ << ": " << attached.message();
      attached_ = false;
      Finish(ToGrpc(attached));
      return;
    }
    attached_ = true;
    StartRead(&in_);
  }

  void Push(v1::ConsoleMessage message) override {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    if (queue_.size() >= kMaxQueuedPerStream) {
      // The device is not reading. It gets the whole state again when it
      // reconnects, so closing loses nothing.
      CloseLocked(absl::ResourceExhaustedError(
          "too many messages waiting for this device; reconnect"));
      return;
    }
    queue_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front());
    }
  }

  void Close(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    CloseLocked(std::move(status));
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the agent went away or half-closed
      Close(absl::OkStatus());
      return;
    }
    absl::Status handled = Handle(in_);
    if (!handled.ok()) {
      Close(handled);
      return;
    }
    absl::MutexLock lock(&mu_);
    if (!closing_) StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    queue_.pop_front();
    if (!ok) {
      closing_ = true;
      queue_.clear();
    }
    if (!queue_.empty() && !closing_) {
      StartWrite(&queue_.front());
      return;
    }
    writing_ = false;
    if (closing_ && !finished_) {
      finished_ = true;
      Finish(ToGrpc(close_status_));
    }
  }

  void OnDone() override {
    if (attached_) {
      context_.registry->Detach(device_id_, this);
      ARDOISE_LOG(INFO) << "device " << device_id_ << " disconnected";
    }
    delete this;
  }

 private:
  absl::Status Handle(const v1::AgentMessage& message) {
    switch (message.body_case()) {
      case v1::AgentMessage::kHello: {
        const v1::Hello& hello = message.hello();
        if (hello.protocol_version() != kProtocolVersion) {
          return absl::FailedPreconditionError(absl::StrCat(
              "this agent speaks protocol ", hello.protocol_version(),
              " and the console speaks ", kProtocolVersion,
              ": upgrade the agent (ardoise-agent ", kVersion, ")"));
        }
        context_.registry->OnHello(device_id_, hello, this);
        hello_seen_ = true;
        if (!hello.usage_epoch().empty()) AnswerUsageHello(hello);
        ARDOISE_LOG(INFO) << "device " << device_id_ << " connected from "
                          << peer_ << " (agent " << hello.agent_version()
                          << ")";
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
        context_.writer->Post(
            [id, seq](Database& db) { return DeleteCommand(db, id, seq); },
            [registry, id, seq](absl::Status status) {
              if (status.ok()) registry->RemoveCommand(id, seq);
            });
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
  void AnswerUsageHello(const v1::Hello& hello) {
    Registry* registry = context_.registry;
    auto ack = std::make_shared<v1::UsageAck>();
    context_.writer->Post(
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

  // Posts a batch to the Writer; the ack goes out after the durable commit.
  absl::Status IngestBatch(const v1::UsageBatch& batch) {
    ARDOISE_RETURN_IF_ERROR(CheckUsageBatch(batch));
    if (usage_in_flight_->load() >= kMaxUsageBatchesInFlight) {
      return absl::ResourceExhaustedError(
          "too many usage batches in flight: wait for each UsageAck");
    }
    auto device = context_.registry->Get(device_id_);
    if (!device.ok()) return device.status();
    UsagePlacement placement;
    placement.device_id = device_id_;
    placement.school = device->school();
    placement.pool = device->pool();
    placement.kind = device->kind();
    auto shared = std::make_shared<const v1::UsageBatch>(batch);
    auto result = std::make_shared<IngestResult>();
    Registry* registry = context_.registry;
    auto in_flight = usage_in_flight_;
    ++*in_flight;
    context_.writer->Post(
        [placement, shared, result](Database& db) -> absl::Status {
          const absl::TimeZone zone = SchoolTimeZone(db, placement.school);
          ARDOISE_ASSIGN_OR_RETURN(*result,
                                   IngestUsage(db, placement, zone, *shared));
          return absl::OkStatus();
        },
        [registry, id = device_id_, result, in_flight](absl::Status status) {
          --*in_flight;
          if (!status.ok()) {
            // Not acked: the agent sends it again.
            ARDOISE_LOG(WARNING)
                << "usage from " << id << " not stored: " << status.ToString();
            return;
          }
          v1::ConsoleMessage out;
          out.mutable_usage_ack()->set_epoch(result->epoch);
          out.mutable_usage_ack()->set_acked_seq(result->acked_seq);
          registry->PushTo(id, std::move(out));
        });
    return absl::OkStatus();
  }

  void CloseLocked(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (closing_) return;
    closing_ = true;
    close_status_ = std::move(status);
    if (!writing_ && !finished_) {
      finished_ = true;
      Finish(ToGrpc(close_status_));
    }
  }

  void FlagClone() {
    const absl::Time now = context_.clock->Now();
    std::string id = device_id_;
    std::string peer = peer_;
    Registry* registry = context_.registry;
    context_.writer->Post(
        [id, peer, now](Database& db) {
          ARDOISE_RETURN_IF_ERROR(AddDeviceFlag(db, id, kClonedKeyFlag));
          return AppendAudit(
              db, now, "device:" + id, "connect", id, "refused",
              "second live stream with the same node key from " + peer);
        },
        [registry, id](absl::Status status) {
          if (status.ok()) registry->AddFlag(id, kClonedKeyFlag);
        });
  }

  const ConsoleContext context_;
  const std::string device_id_;
  const std::string peer_;
  bool attached_ = false;
  bool hello_seen_ = false;  // only touched by the read chain
  // Batches posted to the Writer and not yet committed (shared with the
  // done callbacks, which may run after this reactor is gone).
  std::shared_ptr<std::atomic<int>> usage_in_flight_ =
      std::make_shared<std::atomic<int>>(0);
  v1::AgentMessage in_;

  absl::Mutex mu_;
  std::deque<v1::ConsoleMessage> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status close_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerUnaryReactor* AgentLinkService::Enroll(
    grpc::CallbackServerContext* ctx, const v1::EnrollRequest* request,
    v1::EnrollResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (request->protocol_version() != kProtocolVersion) {
    reactor->Finish(ToGrpc(absl::FailedPreconditionError(absl::StrCat(
        "this agent speaks protocol ", request->protocol_version(),
        " and the console speaks ", kProtocolVersion, ": upgrade the agent"))));
    return reactor;
  }
  const absl::Time now = context_.clock->Now();
  const std::string peer = ctx->peer();
  auto enrolled = std::make_shared<Enrolled>();
  Registry* registry = context_.registry;
  context_.writer->Post(
      [request, now, peer, enrolled](Database& db) -> absl::Status {
        auto result = EnrollDevice(db, request->token(), request->name(),
                                   request->kind(), now);
        if (!result.ok()) return result.status();
        *enrolled = *std::move(result);
        return AppendAudit(db, now, "device:" + enrolled->record.id, "enroll",
                           enrolled->record.name, "ok", "from " + peer);
      },
      [reactor, response, enrolled, registry, request](absl::Status status) {
        if (status.ok()) {
          response->set_device_id(enrolled->record.id);
          response->set_node_key(enrolled->node_key);
          response->set_school(enrolled->record.school);
          response->set_pool(enrolled->record.pool);
          ARDOISE_LOG(INFO) << "enrolled " << enrolled->record.name << " as "
                            << enrolled->record.id;
          registry->AddDevice(std::move(enrolled->record));
        } else {
          ARDOISE_LOG(WARNING) << "enrollment of \"" << request->name()
                               << "\" refused: " << status.message();
        }
        reactor->Finish(ToGrpc(status));
      });
  return reactor;
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::ConsoleMessage>*
AgentLinkService::Connect(grpc::CallbackServerContext* ctx) {
  return new ConnectReactor(ctx, context_);
}

}  // namespace ardoise
