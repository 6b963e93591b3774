#include "teacher-console/cli/format.h"

#include <string>

#include "absl/time/time.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1795640658);  // 2026-11-25 UTC

v1::Device MakeDevice(const std::string& name, bool online) {
  v1::Device d;
  d.set_id("d-" + name);
  d.set_name(name);
  d.set_kind(v1::DEVICE_KIND_TABLET);
  d.set_school("jaures");
  d.set_pool("salle-12");
  d.set_online(online);
  ToProto(kNow - absl::Seconds(12), d.mutable_last_seen());
  return d;
}

TEST(TableTest, PadsColumnsToTheWidestCellWithoutTrailingSpaces) {
  Table table({"NAME", "STATUS", "FLAGS"});
  table.AddRow({"tab-1", "online", ""});
  table.AddRow({"whiteboard-12", "offline", "!1"});
  EXPECT_EQ(table.Render(),
            "NAME            STATUS    FLAGS\n"
            "tab-1           online\n"
            "whiteboard-12   offline   !1\n");
}

TEST(TableTest, CountsCharactersNotBytes) {
  Table table({"POOL", "N"});
  table.AddRow({"salle-été", "1"});
  table.AddRow({"cour", "2"});
  EXPECT_EQ(table.Render(),
            "POOL        N\n"
            "salle-été   1\n"
            "cour        2\n");
}

TEST(TableTest, ShortRowsArePadded) {
  Table table({"A", "B", "C"});
  table.AddRow({"x"});
  EXPECT_EQ(table.Render(), "A   B   C\nx\n");
}

TEST(KeyValuesTest, AlignsValuesAndContinuesLines) {
  EXPECT_EQ(RenderKeyValues({{"id", "d-1"},
                             {"last seen", "never"},
                             {"flags", "one"},
                             {"", "two"}}),
            "id:         d-1\n"
            "last seen:  never\n"
            "flags:      one\n"
            "            two\n");
}

TEST(EnumNameTest, StripsPrefixAndLowercases) {
  EXPECT_EQ(KindName(v1::DEVICE_KIND_TABLET), "tablet");
  EXPECT_EQ(KindName(v1::DEVICE_KIND_WHITEBOARD), "whiteboard");
  EXPECT_EQ(KindName(v1::DEVICE_KIND_PC), "pc");
  EXPECT_EQ(LockReasonName(v1::LOCK_REASON_MANUAL), "manual");
  EXPECT_EQ(LockReasonName(v1::LOCK_REASON_NO_SCREEN), "no_screen");
  EXPECT_EQ(KindName(static_cast<v1::DeviceKind>(99)), "unknown");
}

TEST(RelativeTimeTest, UsesTheLargestWholeUnit) {
  EXPECT_EQ(FormatRelative(absl::InfinitePast(), kNow), "never");
  EXPECT_EQ(FormatRelative(kNow, kNow), "just now");
  EXPECT_EQ(FormatRelative(kNow - absl::Seconds(12), kNow), "12s ago");
  EXPECT_EQ(FormatRelative(kNow - absl::Seconds(59), kNow), "59s ago");
  EXPECT_EQ(FormatRelative(kNow - absl::Seconds(200), kNow), "3m ago");
  EXPECT_EQ(FormatRelative(kNow - absl::Hours(5), kNow), "5h ago");
  EXPECT_EQ(FormatRelative(kNow - absl::Hours(47), kNow), "47h ago");
  EXPECT_EQ(FormatRelative(kNow - absl::Hours(72), kNow), "3d ago");
  EXPECT_EQ(FormatRelative(kNow + absl::Minutes(40), kNow), "in 40m");
  // Rounded to the second: a token created a moment ago still has 24h.
  EXPECT_EQ(
      FormatRelative(kNow + absl::Hours(24) - absl::Milliseconds(5), kNow),
      "in 24h");
}

TEST(AbsoluteTimeTest, PrintsUtc) {
  EXPECT_EQ(FormatAbsolute(absl::FromUnixSeconds(0)),
            "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatAbsolute(absl::InfinitePast()), "never");
  EXPECT_EQ(FormatWhen(kNow - absl::Minutes(3), kNow),
            FormatAbsolute(kNow - absl::Minutes(3)) + " (3m ago)");
}

TEST(DeviceListTest, OneRowPerDeviceWithStatusLockAndFlags) {
  v1::ListDevicesResponse response;
  *response.add_devices() = MakeDevice("tab-1", true);
  v1::Device* locked = response.add_devices();
  *locked = MakeDevice("tab-2", false);
  locked->clear_pool();
  locked->clear_last_seen();
  locked->mutable_state()->set_locked(true);
  locked->mutable_state()->set_lock_reason(v1::LOCK_REASON_MANUAL);
  locked->add_flags("second stream with the same key");
  v1::Device* retired = response.add_devices();
  *retired = MakeDevice("tab-3", false);
  retired->set_retired(true);

  EXPECT_EQ(RenderDeviceList(response, kNow),
            "NAME    ID        KIND     SCHOOL   POOL       STATUS    LOCKED"
            "         LAST SEEN   FLAGS\n"
            "tab-1   d-tab-1   tablet   jaures   salle-12   online    no"
            "             12s ago\n"
            "tab-2   d-tab-2   tablet   jaures   -          offline   yes "
            "(manual)   never       !1\n"
            "tab-3   d-tab-3   tablet   jaures   salle-12   retired   no"
            "             12s ago\n"
            "\n!N: N warnings for IT staff; read them with `ardoise devices "
            "show NAME`.\n");
}

TEST(DeviceListTest, SaysWhenEmpty) {
  EXPECT_EQ(RenderDeviceList(v1::ListDevicesResponse(), kNow), "No devices.\n");
}

TEST(DeviceDetailTest, ShowsEveryFieldOnItsOwnLine) {
  v1::Device d = MakeDevice("tab-1", true);
  d.set_agent_version("0.1.0");
  d.set_in_sync(true);
  d.set_pending_commands(2);
  d.mutable_state()->set_locked(true);
  d.mutable_state()->set_lock_reason(v1::LOCK_REASON_MANUAL);
  d.mutable_state()->set_lock_message("Les yeux au tableau");
  ToProto(kNow - absl::Seconds(5), d.mutable_state()->mutable_observed_at());
  d.mutable_desired_lock()->set_version(3);
  d.mutable_desired_lock()->set_locked(true);
  d.mutable_desired_lock()->set_message("Les yeux au tableau");
  d.mutable_desired_lock()->set_set_by("admin");
  ToProto(kNow + absl::Minutes(40),
          d.mutable_desired_lock()->mutable_expires_at());
  d.add_flags("first warning");
  d.add_flags("second warning");

  const std::string text = RenderDeviceDetail(d, kNow);
  EXPECT_THAT(text, HasSubstr("id:                  d-tab-1\n"));
  EXPECT_THAT(text, HasSubstr("kind:                tablet\n"));
  EXPECT_THAT(text, HasSubstr("status:              online\n"));
  EXPECT_THAT(text, HasSubstr("last seen:           " +
                              FormatAbsolute(kNow - absl::Seconds(12)) +
                              " (12s ago)\n"));
  EXPECT_THAT(text, HasSubstr("screen:              locked (manual): \"Les "
                              "yeux au tableau\"\n"));
  EXPECT_THAT(text, HasSubstr("manual lock:         locked (version 3, by "
                              "admin)\n"
                              "                     message: \"Les yeux au "
                              "tableau\"\n"
                              "                     expires: "));
  EXPECT_THAT(text, HasSubstr("(in 40m)\n"));
  EXPECT_THAT(text, HasSubstr("in sync:             yes\n"));
  EXPECT_THAT(text, HasSubstr("pending commands:    2\n"));
  EXPECT_THAT(text, HasSubstr("last message shown:  -\n"));
  EXPECT_THAT(text, HasSubstr("flags:               first warning\n"
                              "                     second warning\n"));
}

TEST(DeviceDetailTest, NeverConnectedDevice) {
  v1::Device d = MakeDevice("tab-1", false);
  d.clear_last_seen();
  const std::string text = RenderDeviceDetail(d, kNow);
  EXPECT_THAT(text, HasSubstr("last seen:           never\n"));
  EXPECT_THAT(text, HasSubstr("screen:              not reported yet\n"));
  EXPECT_THAT(text, HasSubstr("manual lock:         none (never set)\n"));
  EXPECT_THAT(text, HasSubstr("flags:               none\n"));
}

TEST(TokenTest, PrintsTheTokenAndTheEnrollCommand) {
  v1::CreateEnrollmentTokenRequest request;
  request.set_school("jaures");
  request.set_pool("salle-12");
  v1::CreateEnrollmentTokenResponse response;
  response.set_token("tok.secret");
  response.set_token_id("tok");
  response.set_ca_pin("sha256:0123");
  response.set_uses(30);
  ToProto(kNow + absl::Hours(24), response.mutable_expires_at());

  const std::string text =
      RenderToken(request, response, "10.0.0.5:7443", kNow);
  EXPECT_THAT(text, HasSubstr("school jaures, pool salle-12:\n\n    "
                              "tok.secret\n\n"));
  EXPECT_THAT(text, HasSubstr("Valid for 30 enrollments, until "));
  EXPECT_THAT(text, HasSubstr("(in 24h)"));
  EXPECT_THAT(text, HasSubstr("pin of the console's CA (sha256:0123)"));
  EXPECT_THAT(text,
              HasSubstr("ardoise-agent enroll --console 10.0.0.5:7443 --token "
                        "tok.secret --data /var/lib/ardoise-agent --name NAME "
                        "--kind tablet\n"));
}

TEST(TargetResultTest, SummarizesOnlineAndOfflineDevices) {
  v1::TargetResult result;
  result.set_resolved("pool salle-12");
  *result.add_devices() = MakeDevice("tab-1", true);
  *result.add_devices() = MakeDevice("tab-2", true);
  *result.add_devices() = MakeDevice("tab-3", false);
  const std::string text =
      RenderTargetResult(result, "Locked", "", "lock", kNow);
  EXPECT_THAT(text, HasSubstr("Locked pool salle-12: 3 devices (2 online, 1 "
                              "offline: will lock when it reconnects)\n\n"
                              "NAME    ID        STATUS    LOCKED   IN SYNC"
                              "   LAST SEEN\n"
                              "tab-1   d-tab-1   online    no       no"));
}

TEST(TargetResultTest, GrammarForOneOrManyOffline) {
  v1::TargetResult result;
  result.set_resolved("device tab-3");
  *result.add_devices() = MakeDevice("tab-3", true);
  EXPECT_THAT(RenderTargetResult(result, "Locked", " for 45m", "lock", kNow),
              HasSubstr("Locked device tab-3 for 45m: 1 device (1 online)\n"));

  result.set_resolved("pool cart");
  result.clear_devices();
  *result.add_devices() = MakeDevice("a", false);
  *result.add_devices() = MakeDevice("b", false);
  EXPECT_THAT(
      RenderTargetResult(result, "Sent the message to", "", "show it", kNow),
      HasSubstr("Sent the message to pool cart: 2 devices (2 offline: will "
                "show it when they reconnect)\n"));

  result.clear_devices();
  EXPECT_EQ(RenderTargetResult(result, "Unlocked", "", "unlock", kNow),
            "Unlocked pool cart: no devices\n");
}

TEST(JsonTest, SnakeCaseNamesAndZeroFieldsArePrinted) {
  v1::ListDevicesResponse response;
  v1::Device* d = response.add_devices();
  *d = MakeDevice("tab-1", false);
  d->mutable_desired_lock()->set_version(3);

  absl::StatusOr<std::string> json = ToJson(response);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"devices\": ["));
  EXPECT_THAT(*json, HasSubstr("\"agent_version\": \"\""));
  EXPECT_THAT(*json, HasSubstr("\"pending_commands\": 0"));
  EXPECT_THAT(*json, HasSubstr("\"online\": false"));
  EXPECT_THAT(*json, HasSubstr("\"in_sync\": false"));
  EXPECT_THAT(*json, HasSubstr("\"kind\": \"DEVICE_KIND_TABLET\""));
  EXPECT_THAT(*json, HasSubstr("\"version\": \"3\""));
  EXPECT_THAT(*json, Not(HasSubstr("agentVersion")));
  EXPECT_EQ(json->back(), '\n');

  // Scripts and the end-to-end tests read it back into the message.
  v1::ListDevicesResponse parsed;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*json, &parsed, options)
          .ok());
  EXPECT_EQ(parsed.SerializeAsString(), response.SerializeAsString());
}

TEST(JsonTest, EmptyListStillHasItsField) {
  absl::StatusOr<std::string> json = ToJson(v1::ListDevicesResponse());
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr("\"devices\": []"));
}

}  // namespace
}  // namespace ardoise::cli
