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
#include "common/random.h"
#include "common/status_macros.h"
#include "common/version.h"
#include "teacher-console/server/agent_stream.h"
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
        peer_(ctx->peer()),
        stream_(context, device_id_, peer_, this) {
    const std::string node_key = Metadata(ctx, "x-ardoise-node-key");
    bool pending_key_used = false;
    absl::Status attached = context_.registry->Attach(device_id_, node_key,
                                                      this, &pending_key_used);
    if (!attached.ok()) {
      if (absl::IsAlreadyExists(attached)) FlagClone();
      ARDOISE_LOG(WARNING) << "refused stream from " << peer_ << " for device "
                           << device_id_ << ": " << attached.message();
      attached_ = false;
      Finish(ToGrpc(attached));
      return;
    }
    attached_ = true;
    // The agent stored the new key of a rotation but its ack was lost.
    if (pending_key_used) {
      CommitRekeyLater(context_, device_id_, Sha256Hex(node_key));
    }
    StartRead(&in_);
  }

  bool Push(v1::ConsoleMessage message) override {
    absl::MutexLock lock(&mu_);
    if (closing_) return false;
    if (queue_.size() >= kMaxQueuedPerStream) {
      // The device is not reading. It gets the whole state again when it
      // reconnects, so closing loses nothing.
      CloseLocked(absl::ResourceExhaustedError(
          "too many messages waiting for this device; reconnect"));
      return false;
    }
    queue_.push_back(std::move(message));
    if (writing_) return false;  // OnWriteDone goes on with it
    // Owed: Flush() starts the write. Until it has, writing_ keeps the
    // stream from finishing, so this object stays alive.
    writing_ = true;
    return true;
  }

  void Flush() override {
    const v1::ConsoleMessage* first;
    {
      absl::MutexLock lock(&mu_);
      first = &queue_.front();  // stays put: only OnWriteDone pops
    }
    StartWrite(first);
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
    absl::Status handled = stream_.Handle(in_);
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
      if (context_.disconnect_log == nullptr ||
          context_.disconnect_log->Allow()) {
        ARDOISE_LOG(INFO) << "device " << device_id_ << " disconnected";
      }
    }
    delete this;
  }

 private:
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
  AgentStream stream_;  // only touched by the read chain
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
  RateLimiter* limiter = context_.enroll_limiter;
  const std::string host = PeerHost(peer);
  if (limiter != nullptr) {
    absl::Status allowed = limiter->Allow(host, now);
    if (!allowed.ok()) {
      ARDOISE_LOG(WARNING) << "enrollment of \"" << request->name()
                           << "\" refused: " << allowed.message();
      reactor->Finish(ToGrpc(allowed));
      return reactor;
    }
  }
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
      [reactor, response, enrolled, registry, request, limiter, host,
       now](absl::Status status) {
        if (status.ok()) {
          response->set_device_id(enrolled->record.id);
          response->set_node_key(enrolled->node_key);
          response->set_school(enrolled->record.school);
          response->set_pool(enrolled->record.pool);
          ARDOISE_LOG(INFO) << "enrolled " << enrolled->record.name << " as "
                            << enrolled->record.id;
          registry->AddDevice(std::move(enrolled->record));
        } else {
          if (limiter != nullptr) limiter->RecordFailure(host, now);
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
