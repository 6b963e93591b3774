#include "common/files.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ardoise {
namespace {

// A fresh folder per test, removed (recursively) afterwards.
class FilesTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "/ardoise-files-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { RemoveAll(dir_); }

  static void RemoveAll(const std::string& path) {
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        RemoveAll(path + "/" + name);
      }
      closedir(d);
      rmdir(path.c_str());
    } else {
      unlink(path.c_str());
    }
  }

  std::vector<std::string> List() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    return names;
  }

  static int Mode(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return -1;
    return st.st_mode & 07777;
  }

  std::string dir_;
};

TEST_F(FilesTest, WriteThenRead) {
  std::string path = dir_ + "/state.bin";
  std::string contents("lock\0ed\n", 8);
  ASSERT_TRUE(WriteFileAtomically(path, contents).ok());
  EXPECT_EQ(ReadFile(path).value(), contents);
  EXPECT_EQ(Mode(path), 0644);
  // Only the file itself remains: no temporary left behind.
  EXPECT_EQ(List(), std::vector<std::string>{"state.bin"});
}

TEST_F(FilesTest, OverwriteReplacesContentsAndMode) {
  std::string path = dir_ + "/node.key";
  ASSERT_TRUE(WriteFileAtomically(path, "old old old").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "new", 0600).ok());
  EXPECT_EQ(ReadFile(path).value(), "new");
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(List().size(), 1u);
}

TEST_F(FilesTest, EmptyAndLargeFiles) {
  std::string empty = dir_ + "/empty";
  ASSERT_TRUE(WriteFileAtomically(empty, "").ok());
  EXPECT_EQ(ReadFile(empty).value(), "");
  std::string large(300 * 1024 + 17, 'x');
  for (size_t i = 0; i < large.size(); i += 997) large[i] = char(i);
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/large", large).ok());
  EXPECT_EQ(ReadFile(dir_ + "/large").value(), large);
}

TEST_F(FilesTest, ReadMissingIsNotFoundNamingThePath) {
  absl::StatusOr<std::string> r = ReadFile(dir_ + "/missing.pem");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(dir_ + "/missing.pem"),
            absl::string_view::npos);
}

TEST_F(FilesTest, ReadFolderIsAnError) { EXPECT_FALSE(ReadFile(dir_).ok()); }

TEST_F(FilesTest, WriteIntoMissingFolderFailsAndNamesIt) {
  absl::Status s = WriteFileAtomically(dir_ + "/no/such/file", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir_ + "/no/such/file"), absl::string_view::npos);
  EXPECT_EQ(WriteFileAtomically(dir_ + "/", "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FilesTest, WriteOverAFolderFailsAndCleansUp) {
  ASSERT_TRUE(MakeDirs(dir_ + "/sub").ok());
  EXPECT_FALSE(WriteFileAtomically(dir_ + "/sub", "x").ok());
  EXPECT_EQ(List(), std::vector<std::string>{"sub"});
}

TEST_F(FilesTest, RelativePathWritesInTheCurrentFolder) {
  char old[4096];
  ASSERT_NE(getcwd(old, sizeof(old)), nullptr);
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  absl::Status s = WriteFileAtomically("relative.txt", "here");
  ASSERT_EQ(chdir(old), 0);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(ReadFile(dir_ + "/relative.txt").value(), "here");
}

TEST_F(FilesTest, MakeDirs) {
  std::string deep = dir_ + "/a/b//c/";
  ASSERT_TRUE(MakeDirs(deep, 0700).ok());
  EXPECT_EQ(Mode(dir_ + "/a/b/c") & 0700, 0700);
  EXPECT_TRUE(MakeDirs(deep).ok());  // already there
  EXPECT_TRUE(MakeDirs(dir_).ok());
  EXPECT_TRUE(MakeDirs("/").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/a/b/c/file", "x").ok());
  EXPECT_EQ(ReadFile(dir_ + "/a/b/c/file").value(), "x");
}

TEST_F(FilesTest, MakeDirsThroughAFileFails) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/plain", "x").ok());
  absl::Status s = MakeDirs(dir_ + "/plain/sub");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("is not a folder"), absl::string_view::npos);
  EXPECT_EQ(MakeDirs(dir_ + "/plain").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MakeDirs("").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ardoise
