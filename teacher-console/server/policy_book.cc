#include "teacher-console/server/policy_book.h"

#include <utility>

namespace ardoise {

PolicyBook::Snapshot::Snapshot(std::vector<ParsedPolicy> files_in,
                               int64_t version_in)
    : files(std::move(files_in)), version(version_in), index(files) {}

PolicyBook::PolicyBook()
    : current_(std::make_shared<Snapshot>(std::vector<ParsedPolicy>(), 0)) {}

std::shared_ptr<const PolicyBook::Snapshot> PolicyBook::snapshot() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void PolicyBook::Replace(std::vector<ParsedPolicy> files, int64_t version) {
  auto next = std::make_shared<Snapshot>(std::move(files), version);
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
}

absl::StatusOr<std::vector<ParsedPolicy>> PolicyBook::Candidate(
    std::vector<ParsedPolicy> changes) const {
  std::shared_ptr<const Snapshot> now = snapshot();
  std::vector<ParsedPolicy> out;
  for (const ParsedPolicy& existing : now->files) {
    bool replaced = false;
    for (const ParsedPolicy& change : changes) {
      if (ScopeLabel(change.policy.scope()) ==
          ScopeLabel(existing.policy.scope())) {
        replaced = true;
      }
    }
    if (!replaced) out.push_back(existing);
  }
  for (ParsedPolicy& change : changes) out.push_back(std::move(change));
  absl::Status valid = ValidatePolicySet(out);
  if (!valid.ok()) return valid;
  return out;
}

v1::EffectivePolicy PolicyBook::For(const Snapshot& snapshot,
                                    const DeviceScope& device,
                                    const std::string& class_name,
                                    Provenance* provenance) {
  if (snapshot.version == 0) return v1::EffectivePolicy();
  v1::EffectivePolicy policy =
      EffectiveFor(snapshot.index, device, class_name, provenance);
  policy.set_version(snapshot.version);
  return policy;
}

}  // namespace ardoise
