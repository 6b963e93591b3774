#include "common/startup_pages.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ardoise {

int64_t ReleaseStartupPages() {
  // Read everything first: madvise while reading smaps would change it.
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return 0;
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  std::string line;
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool candidate = false;
  while (std::getline(smaps, line)) {
    unsigned long s = 0;
    unsigned long e = 0;
    char perms[5] = {0};
    char path[256] = {0};
    // A mapping's header: "START-END PERMS OFFSET DEV INODE [PATH]".
    const int fields = std::sscanf(
        line.c_str(), "%lx-%lx %4s %*s %*s %*s %255s", &s, &e, perms, path);
    if (fields >= 3 && line.find(':') > line.find(' ')) {
      start = s;
      end = e;
      // Private ("p"), not writable, backed by a file.
      candidate =
          fields == 4 && perms[1] == '-' && perms[3] == 'p' && path[0] == '/';
      continue;
    }
    if (candidate && line.rfind("Anonymous:", 0) == 0) {
      // Any anonymous page means copy-on-write data (relocations): keep it.
      if (std::strtol(line.c_str() + 10, nullptr, 10) == 0) {
        ranges.emplace_back(start, end);
      }
      candidate = false;
    }
  }
  int64_t advised = 0;
  for (const auto& [s, e] : ranges) {
    if (madvise(reinterpret_cast<void*>(s), e - s, MADV_DONTNEED) == 0) {
      advised += static_cast<int64_t>(e - s);
    }
  }
  malloc_trim(0);
  return advised;
}

}  // namespace ardoise
