// ConsoleLink: the agent's connection to the console. It dials (the console
// never dials devices: they sit behind NAT), authenticates with the node key,
// keeps one bidirectional stream open and redials with capped, jittered
// exponential backoff when it drops, so that a console restarted in front of
// thousands of devices is not hit by all of them at once.
//
// Messages from the console are handed to the Delegate on the link's own
// thread, in order. Send() may be called from any thread.
//
// Thread safety: Start/Stop from one thread; Send, connected() and
// SetNodeKey from any.
#ifndef ARDOISE_AGENT_LINK_CONSOLE_LINK_H_
#define ARDOISE_AGENT_LINK_CONSOLE_LINK_H_

#include <memory>
#include <random>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "ardoise/v1/agent_link.grpc.pb.h"

namespace ardoise {

class ConsoleLink final {
 public:
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // The first message of every stream.
    virtual v1::Hello MakeHello() = 0;
    // Every message from the console, in order, on the link thread.
    virtual void OnMessage(const v1::ConsoleMessage& message) = 0;
    // The stream ended (or could not start) with this status.
    virtual void OnDisconnected(const absl::Status& status) = 0;
  };

  struct Options {
    std::string console;      // HOST:PORT
    std::string root_ca_pem;  // the console's CA (DATA_DIR/ca.pem)
    std::string device_id;
    std::string node_key;
    absl::Duration backoff_initial = absl::Milliseconds(200);
    absl::Duration backoff_max = absl::Seconds(30);
  };

  ConsoleLink(Options options, Delegate* delegate);
  ~ConsoleLink();  // Stops.
  ConsoleLink(const ConsoleLink&) = delete;
  ConsoleLink& operator=(const ConsoleLink&) = delete;

  void Start();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

  // Sends on the live stream; false when there is none (the message is
  // dropped: everything the agent sends is state, re-sent on reconnect).
  bool Send(const v1::AgentMessage& message);
  bool connected() const;

  // The node key the next stream presents (after a rotation); the live
  // stream, opened with the old key, goes on.
  void SetNodeKey(std::string node_key);

  // The delay before attempt `attempt` (0-based): uniform in
  // [initial/2, min(max, initial * 2^attempt)] ("equal jitter").
  static absl::Duration Backoff(int attempt, absl::Duration initial,
                                absl::Duration max, std::mt19937_64& rng);

 private:
  void Loop();
  absl::Status RunOnce();
  // Waits `wait` or until Stop(), keeping gRPC's reconnection going.
  void WaitBeforeRetry(absl::Duration wait);

  const Options options_;
  Delegate* const delegate_;
  std::shared_ptr<grpc::Channel> channel_;     // null if none could be made
  std::unique_ptr<v1::AgentLink::Stub> stub_;  // null if no channel
  absl::Status channel_error_;                 // why there is none
  absl::Notification stop_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  std::string node_key_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  grpc::ClientReaderWriter<v1::AgentMessage, v1::ConsoleMessage>* stream_
      ABSL_GUARDED_BY(mu_) = nullptr;
  absl::Mutex write_mu_;  // one writer at a time; held while using stream_
};

}  // namespace ardoise

#endif  // ARDOISE_AGENT_LINK_CONSOLE_LINK_H_
