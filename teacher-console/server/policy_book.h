// The console's current policy set: every file IT staff applied (at most one
// per scope), its version, and an index to compute each device's effective
// policy quickly.
//
// Thread safety: thread-safe. Readers get an immutable snapshot (shared_ptr),
// so computing effective policies never holds a lock while Replace() swaps in
// a new set.
#ifndef ARDOISE_TEACHER_CONSOLE_SERVER_POLICY_BOOK_H_
#define ARDOISE_TEACHER_CONSOLE_SERVER_POLICY_BOOK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ardoise/v1/policy.pb.h"
#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"

namespace ardoise {

class PolicyBook final {
 public:
  // An immutable policy set with its index.
  struct Snapshot {
    explicit Snapshot(std::vector<ParsedPolicy> files_in, int64_t version_in);
    const std::vector<ParsedPolicy> files;
    const int64_t version;
    const PolicySetIndex index;
  };

  PolicyBook();
  PolicyBook(const PolicyBook&) = delete;
  PolicyBook& operator=(const PolicyBook&) = delete;

  std::shared_ptr<const Snapshot> snapshot() const;
  void Replace(std::vector<ParsedPolicy> files, int64_t version);

  // The current files with `changes` replacing those of the same scope,
  // validated as a whole. INVALID_ARGUMENT with file:line:column otherwise.
  absl::StatusOr<std::vector<ParsedPolicy>> Candidate(
      std::vector<ParsedPolicy> changes) const;

  // What a device obeys under `snapshot` (version 0 and no policy at all
  // when nothing was ever applied).
  static v1::EffectivePolicy For(const Snapshot& snapshot,
                                 const DeviceScope& device,
                                 const std::string& class_name,
                                 Provenance* provenance);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ardoise

#endif  // ARDOISE_TEACHER_CONSOLE_SERVER_POLICY_BOOK_H_
