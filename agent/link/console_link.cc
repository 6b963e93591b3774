#include "agent/link/console_link.h"

#include <algorithm>
#include <utility>

#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/transport.h"

namespace ardoise {

ConsoleLink::ConsoleLink(Options options, Delegate* delegate)
    : options_(std::move(options)),
      delegate_(delegate),
      node_key_(options_.node_key) {
  ChannelOptions channel_options;
  channel_options.root_ca_pem = options_.root_ca_pem;
  channel_options.max_reconnect_backoff = options_.backoff_max;
  auto channel = MakeChannel(options_.console, channel_options);
  if (channel.ok()) {
    channel_ = *std::move(channel);
    stub_ = v1::AgentLink::NewStub(channel_);
  } else {
    // Reported by every attempt (OnDisconnected), which the agent logs.
    channel_error_ = absl::FailedPreconditionError(channel.status().message());
  }
}

ConsoleLink::~ConsoleLink() { Stop(); }

void ConsoleLink::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ConsoleLink::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool ConsoleLink::Send(const v1::AgentMessage& message) {
  // write_mu_ keeps the stream alive while writing (RunOnce takes it before
  // destroying the stream); mu_ is held only to read the pointer, so Stop()
  // can always cancel a Write blocked by flow control.
  absl::MutexLock write_lock(&write_mu_);
  grpc::ClientReaderWriter<v1::AgentMessage, v1::ConsoleMessage>* stream;
  {
    absl::MutexLock lock(&mu_);
    stream = stream_;
  }
  return stream != nullptr && stream->Write(message);
}

void ConsoleLink::SetNodeKey(std::string node_key) {
  absl::MutexLock lock(&mu_);
  node_key_ = std::move(node_key);
}

bool ConsoleLink::connected() const {
  absl::MutexLock lock(&mu_);
  return stream_ != nullptr;
}

absl::Duration ConsoleLink::Backoff(int attempt, absl::Duration initial,
                                    absl::Duration max, std::mt19937_64& rng) {
  absl::Duration ceiling = initial;
  for (int i = 0; i < attempt && ceiling < max; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max);
  const absl::Duration floor = std::min(initial / 2, ceiling);
  std::uniform_int_distribution<int64_t> pick(
      absl::ToInt64Microseconds(floor), absl::ToInt64Microseconds(ceiling));
  return absl::Microseconds(pick(rng));
}

void ConsoleLink::Loop() {
  std::mt19937_64 rng(std::random_device{}());
  int attempt = 0;
  while (!stop_.HasBeenNotified()) {
    const absl::Time started = absl::Now();
    absl::Status status = RunOnce();
    if (stop_.HasBeenNotified()) break;
    delegate_->OnDisconnected(status);
    // A stream that lived a while was a success: start over from short waits.
    if (absl::Now() - started > absl::Seconds(10)) attempt = 0;
    absl::Duration wait =
        Backoff(attempt, options_.backoff_initial, options_.backoff_max, rng);
    // Refusals will not heal by retrying fast.
    if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status) ||
        absl::IsAlreadyExists(status) || absl::IsFailedPrecondition(status)) {
      wait = Backoff(30, options_.backoff_initial, options_.backoff_max, rng);
    }
    ++attempt;
    WaitBeforeRetry(wait);
  }
}

void ConsoleLink::WaitBeforeRetry(absl::Duration wait) {
  // A synchronous gRPC client makes progress on a connection attempt only
  // while some thread waits on the channel, and a TLS handshake takes several
  // round trips: sleeping on a timer alone would let every attempt time out.
  // So wait on the channel's state, in short slices to notice Stop().
  const absl::Time until = absl::Now() + wait;
  while (!stop_.HasBeenNotified()) {
    const absl::Time now = absl::Now();
    if (now >= until) return;
    const grpc_connectivity_state state =
        channel_ == nullptr ? GRPC_CHANNEL_READY
                            : channel_->GetState(/*try_to_connect=*/true);
    if (state == GRPC_CHANNEL_READY || state == GRPC_CHANNEL_SHUTDOWN) {
      stop_.WaitForNotificationWithTimeout(until - now);
      return;
    }
    channel_->WaitForStateChange(
        state,
        absl::ToChronoTime(std::min(until, now + absl::Milliseconds(100))));
  }
}

absl::Status ConsoleLink::RunOnce() {
  if (stub_ == nullptr) return channel_error_;
  grpc::ClientContext context;
  context.AddMetadata("x-ardoise-device", options_.device_id);
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return absl::CancelledError("stopping");
    context.AddMetadata("x-ardoise-node-key", node_key_);
    context_ = &context;
  }
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::AgentMessage, v1::ConsoleMessage>>
      stream = stub_->Connect(&context);
  v1::AgentMessage hello;
  *hello.mutable_hello() = delegate_->MakeHello();
  if (stream->Write(hello)) {
    {
      absl::MutexLock lock(&mu_);
      stream_ = stream.get();
    }
    v1::ConsoleMessage message;
    while (stream->Read(&message)) delegate_->OnMessage(message);
  }
  {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
    context_ = nullptr;
  }
  {
    // No Send() is inside Write now; Finish may run.
    absl::MutexLock write_lock(&write_mu_);
  }
  return FromGrpc(stream->Finish());
}

}  // namespace ardoise
