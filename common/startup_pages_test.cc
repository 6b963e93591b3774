#include "common/startup_pages.h"

#include <string>

#include "common/random.h"
#include "common/sqlite.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

TEST(StartupPagesTest, LibrariesStillWorkAfterTheirPagesAreReleased) {
  EXPECT_GT(ReleaseStartupPages(), 0);
  // Code and read-only data come back on use: libsodium, SQLite, libstdc++.
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE((*db)->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)").ok());
  EXPECT_GT(ReleaseStartupPages(), 0);  // again: harmless
  EXPECT_EQ(std::to_string(42), "42");
}

}  // namespace
}  // namespace ardoise
