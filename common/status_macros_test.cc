#include "common/status_macros.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace ardoise {
namespace {

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<std::unique_ptr<std::string>> MakeName(bool ok) {
  if (!ok) return absl::NotFoundError("no name");
  return std::make_unique<std::string>("tablet-1");
}

int calls = 0;
absl::Status CountedStatus(absl::Status s) {
  ++calls;
  return s;
}

absl::Status ReturnIfError(absl::Status s, bool* reached_end) {
  ARDOISE_RETURN_IF_ERROR(CountedStatus(s));
  *reached_end = true;
  return absl::OkStatus();
}

absl::StatusOr<int> Quarter(int n) {
  ARDOISE_ASSIGN_OR_RETURN(int half, Half(n));
  ARDOISE_ASSIGN_OR_RETURN(auto quarter, Half(half));  // two in one scope
  return quarter;
}

absl::StatusOr<std::string> NameLength(bool ok) {
  ARDOISE_ASSIGN_OR_RETURN(std::unique_ptr<std::string> name, MakeName(ok));
  return *name;
}

absl::Status AssignExisting(int n, int* out) {
  int value = 0;
  ARDOISE_ASSIGN_OR_RETURN(value, Half(n));
  *out = value;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorPassesOkThrough) {
  bool reached = false;
  calls = 0;
  EXPECT_TRUE(ReturnIfError(absl::OkStatus(), &reached).ok());
  EXPECT_TRUE(reached);
  EXPECT_EQ(calls, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheErrorUnchanged) {
  bool reached = false;
  calls = 0;
  absl::Status s = ReturnIfError(absl::UnavailableError("busy"), &reached);
  EXPECT_EQ(s, absl::UnavailableError("busy"));
  EXPECT_FALSE(reached);
  EXPECT_EQ(calls, 1);  // evaluated once
}

TEST(StatusMacrosTest, AssignOrReturnDeclaresAndChains) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

TEST(StatusMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
  EXPECT_EQ(NameLength(true).value(), "tablet-1");
  EXPECT_EQ(NameLength(false).status().code(), absl::StatusCode::kNotFound);
}

TEST(StatusMacrosTest, AssignOrReturnToExistingVariable) {
  int out = 0;
  EXPECT_TRUE(AssignExisting(10, &out).ok());
  EXPECT_EQ(out, 5);
  EXPECT_FALSE(AssignExisting(1, &out).ok());
}

}  // namespace
}  // namespace ardoise
