#include "common/files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/absl_compat.h"

namespace ardoise {
namespace {

absl::Status ErrnoError(int err, const std::string& what) {
  std::string hint;
  if (err == EACCES || err == EPERM) {
    hint = " (check the owner and permissions of the file and its folder)";
  } else if (err == ENOSPC) {
    hint = " (free some disk space)";
  } else if (err == EROFS) {
    hint = " (the file system is mounted read-only)";
  }
  return absl::ErrnoToStatus(err, absl::StrCat(what, hint));
}

// Closes `fd` on scope exit unless released.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Closes now, reporting the error: close() can be where a write fails.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("cannot read \"", path, "\": no such file"));
    }
    return ErrnoError(err, absl::StrCat("cannot read \"", path, "\""));
  }
  FdCloser closer(fd);
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, absl::StrCat("cannot read \"", path, "\""));
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, int mode) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write \"", path,
                     "\": the path names a folder, "
                     "not a file"));
  }
  // A hidden name in the same folder: rename() is only atomic within one
  // file system.
  std::string temp =
      absl::StrCat(dir == "/" ? "" : dir, "/.", base, ".tmp-", "XXXXXX");
  std::vector<char> temp_buf(temp.begin(), temp.end());
  temp_buf.push_back('\0');
  int fd = ::mkostemp(temp_buf.data(), O_CLOEXEC);
  if (fd < 0) {
    return ErrnoError(errno, absl::StrCat("cannot write \"", path,
                                          "\": cannot create a temporary file "
                                          "in \"",
                                          dir, "\""));
  }
  temp.assign(temp_buf.data());
  FdCloser closer(fd);
  auto fail = [&](const std::string& step) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoError(err, absl::StrCat("cannot write \"", path, "\": ", step));
  };

  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("fchmod");
  std::string_view rest = contents;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return fail("fsync");
  if (closer.Close() != 0) return fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename");

  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return ErrnoError(errno, absl::StrCat("cannot sync folder \"", dir,
                                          "\" after writing \"", path, "\""));
  }
  FdCloser dir_closer(dir_fd);
  if (::fsync(dir_fd) != 0) {
    return ErrnoError(errno, absl::StrCat("cannot sync folder \"", dir,
                                          "\" after writing \"", path, "\""));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "cannot create a folder with an empty "
        "path");
  }
  // Create each prefix ending before a '/', then the whole path.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix.back() == '/') continue;  // "//" or "/"
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) == 0) continue;
    int err = errno;
    if (err != EEXIST) {
      return ErrnoError(err,
                        absl::StrCat("cannot create folder \"", prefix, "\""));
    }
    struct stat st;
    if (::stat(prefix.c_str(), &st) != 0) {
      return ErrnoError(errno,
                        absl::StrCat("cannot create folder \"", prefix, "\""));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create folder \"", path, "\": \"", prefix,
          "\" exists and is not a folder (move it away or pick another path)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ardoise
