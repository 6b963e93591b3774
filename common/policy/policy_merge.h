// Layering parsed policy files into what one device obeys.
//
// A policy set is every file IT staff applied, at most one per scope. For a
// device, the layers are city, its school, its pool, itself, then the class
// whose session holds it (if any), least specific first; the most specific
// layer that sets a field wins it. No-screen periods and exemptions add up
// instead: a device gets every period covering its kind, and every exemption
// naming it or a class (those apply only while that class's session holds
// the device). Whatever no layer sets takes the built-in default (DESIGN.md):
// Europe/Paris, Mon/Tue/Thu/Fri 08:30-11:30 + 13:30-16:30 and Wed
// 08:30-11:30, no holidays, tablets locked and whiteboards and PCs free
// outside sessions, no daily limit, a 3 h weekly half-day, 90 days of
// retention, the built-in French lock texts.
//
// A Provenance records, for `ardoise policy explain`, which file:line set
// each effective value ("default" when none did).
//
// Thread safety: pure functions over values; a PolicySetIndex is immutable
// after construction and may be shared between threads.

#ifndef ARDOISE_COMMON_POLICY_POLICY_MERGE_H_
#define ARDOISE_COMMON_POLICY_POLICY_MERGE_H_

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "ardoise/v1/device.pb.h"
#include "ardoise/v1/policy.pb.h"
#include "common/policy/policy_parse.h"

namespace ardoise {

// Where a device sits. Empty names mean "none" (e.g. a device in no pool).
struct DeviceScope {
  std::string school;
  std::string pool;
  std::string device;
  v1::DeviceKind kind;
};

// Effective field path -> "file:line" or "default". Paths are those
// FormatExplain prints: "timezone", "school_hours", "holidays",
// "outside_sessions.tablet" (.whiteboard, .pc, .daily_limit),
// "weekly_allowance", "no_screen_periods[0]", "exemptions[0]", "apps",
// "urls", "messages.no_screen" (and the other texts), "retention". Indices
// are positions in the EffectivePolicy's lists.
struct Provenance {
  std::map<std::string, std::string> source;
};

// Checks what single files cannot: at most one file per scope, every
// exemption's `period` defined by some file of the set, same-named no-screen
// periods with the same dates, exemptions in device- or class-scoped files
// that name their own scope. Errors are InvalidArgument
// "FILE:LINE:COLUMN: message (fix)" and name the other file when two clash.
absl::Status ValidatePolicySet(const std::vector<ParsedPolicy>& set);

// Merges `layers` (least specific first; nulls are skipped) for a device of
// `kind` named `device_name`. `provenance` may be null.
v1::EffectivePolicy Merge(
    const std::vector<const ParsedPolicy*>& layers_least_specific_first,
    v1::DeviceKind kind, const std::string& device_name,
    Provenance* provenance);

// The layers of `device` (and of `class_name`'s session when not empty),
// found by a linear scan of `set` that compares scope levels before names,
// merged. Cheap for the few hundred files of a city; when computing many
// devices over a large set, build a PolicySetIndex once instead.
v1::EffectivePolicy EffectiveFor(const std::vector<ParsedPolicy>& set,
                                 const DeviceScope& device,
                                 const std::string& class_name,
                                 Provenance* provenance);

// A policy set indexed by scope, for computing many devices. Holds pointers
// into the vector given at construction, which must outlive it and not
// change. When two files share a scope (ValidatePolicySet refuses that) the
// first wins, as in the scan above. Not copyable.
class PolicySetIndex final {
 public:
  explicit PolicySetIndex(const std::vector<ParsedPolicy>& set);
  PolicySetIndex(const PolicySetIndex&) = delete;
  PolicySetIndex& operator=(const PolicySetIndex&) = delete;

  // The layers of a device, least specific first, without nulls.
  std::vector<const ParsedPolicy*> LayersFor(
      const DeviceScope& device, const std::string& class_name) const;

 private:
  using ByName = std::unordered_map<std::string, const ParsedPolicy*>;
  const ParsedPolicy* city_ = nullptr;
  ByName schools_;
  ByName pools_;
  ByName devices_;
  ByName classes_;
};

// EffectiveFor through an index: hash look-ups instead of a scan.
v1::EffectivePolicy EffectiveFor(const PolicySetIndex& index,
                                 const DeviceScope& device,
                                 const std::string& class_name,
                                 Provenance* provenance);

// One line per effective value, in columns: "field  value  source", e.g.
// "outside_sessions.daily_limit  1h  policies/ecole.yaml:14". Fields missing
// from `provenance` show "?".
std::string FormatExplain(const v1::EffectivePolicy& policy,
                          const Provenance& provenance);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_POLICY_POLICY_MERGE_H_
