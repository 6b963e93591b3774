// Giving back what a long-running daemon touched only while starting.
//
// A process's RSS counts every page of its shared libraries it has mapped,
// and starting (dynamic linking, static initialisers of gRPC, protobuf and
// OpenSSL, the first TLS handshake) maps far more library code than an idle
// agent then runs: 18 of the agent's 21 MiB were clean library pages. Those
// pages are page cache; unmapping them lets the kernel reclaim them (mapped
// executable pages are kept by preference), and whatever runs again is
// mapped again on its next use. The statically linked agent
// (cmake/static_agent.cmake) gains as much: its own code and read-only data
// are such a mapping (idle RSS 14.0 MiB without the release, 9.0 with it).
//
// Thread safety: safe to call from any thread, any number of times; it only
// unmaps pages that hold exactly the file's contents.
#ifndef ARDOISE_COMMON_STARTUP_PAGES_H_
#define ARDOISE_COMMON_STARTUP_PAGES_H_

#include <cstdint>

namespace ardoise {

// Unmaps the present pages of every private, read-only, file-backed mapping
// that holds no anonymous (copy-on-write) page — library code and read-only
// data, never relocated data (RELRO) — and returns free heap memory to the
// system (malloc_trim). Returns the bytes of mappings advised, 0 where
// /proc/self/smaps cannot be read. Linux only.
int64_t ReleaseStartupPages();

}  // namespace ardoise

#endif  // ARDOISE_COMMON_STARTUP_PAGES_H_
