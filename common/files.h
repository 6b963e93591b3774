// Whole-file reads and crash-safe writes for small files: keys, certificates,
// the agent's persisted lock and ledger, configuration.
//
// WriteFileAtomically never leaves a torn file behind: after a crash or power
// cut the path holds either the old contents or the new ones. Devices in
// classrooms get switched off at the wall, so state files must survive that.
//
// Errors name the path and what to check; codes follow errno (NotFound,
// PermissionDenied, ...).
//
// Thread safety: thread-safe; concurrent writers of the same path each write
// a complete file and the last rename wins.

#ifndef ARDOISE_COMMON_FILES_H_
#define ARDOISE_COMMON_FILES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ardoise {

// The whole file. NotFound naming the path when it is missing.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Replaces `path` with `contents`: writes a temporary file in the same
// folder, fsyncs it, renames it over `path`, then fsyncs the folder so the
// rename itself is durable. The file gets exactly `mode` (umask does not
// apply), e.g. 0600 for secrets. The folder must exist (see MakeDirs).
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, int mode = 0644);

// mkdir -p: creates `path` and its missing parents with `mode` (minus
// umask). OK when the folder already exists; FailedPrecondition when a
// component exists but is not a folder.
absl::Status MakeDirs(const std::string& path, int mode = 0755);

}  // namespace ardoise

#endif  // ARDOISE_COMMON_FILES_H_
