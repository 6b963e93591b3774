#include "teacher-console/server/usage_reports.h"

#include <stdlib.h>

#include <filesystem>

#include "common/proto_time.h"
#include "common/school_time.h"
#include "gtest/gtest.h"
#include "teacher-console/server/store.h"
#include "teacher-console/server/usage_store.h"

namespace ardoise {
namespace {

const absl::TimeZone& Paris() {
  static const absl::TimeZone zone = *LoadSchoolTimeZone("Europe/Paris");
  return zone;
}

absl::Time At(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Paris());
}

v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

// The no-screen week of 2027-05-17 (Monday) to 2027-05-21, for tablets.
v1::EffectivePolicy NoScreenWeek() {
  v1::EffectivePolicy policy;
  policy.set_timezone("Europe/Paris");
  v1::NoScreenPeriod* p = policy.add_no_screen_periods();
  p->mutable_range()->set_name("Semaine sans écrans");
  *p->mutable_range()->mutable_from() = Day(2027, 5, 17);
  *p->mutable_range()->mutable_to() = Day(2027, 5, 21);
  p->add_kinds(v1::DEVICE_KIND_TABLET);
  return policy;
}

class UsageReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "usage-reports-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = OpenConsoleDatabase(dir_, true);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    for (const char* name :
         {"tab-used", "tab-exempt", "tab-off", "tab-silent", "tbi-1"}) {
      ReportDevice& d = devices_.emplace_back();
      d.id = std::string("d-") + name;
      d.name = name;
      d.school = "ecole-jaures";
      d.pool = "chariot-a";
      d.kind = std::string(name).rfind("tbi", 0) == 0
                   ? v1::DEVICE_KIND_WHITEBOARD
                   : v1::DEVICE_KIND_TABLET;
      d.policy = NoScreenWeek();
    }
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stores intervals for a device, each [start, end) with its kind and use.
  void Record(const std::string& device, const std::string& epoch,
              std::vector<v1::UsageInterval> intervals) {
    v1::UsageBatch batch;
    batch.set_epoch(epoch);
    int64_t seq = 0;
    for (v1::UsageInterval& i : intervals) {
      i.set_seq(++seq);
      *batch.add_intervals() = std::move(i);
    }
    UsagePlacement placement{std::string("d-") + device, "ecole-jaures",
                             "chariot-a", v1::DEVICE_KIND_TABLET};
    ASSERT_TRUE(CheckUsageBatch(batch).ok());
    ASSERT_TRUE(db_->Begin().ok());
    ASSERT_TRUE(IngestUsage(*db_, placement, Paris(), batch).ok());
    ASSERT_TRUE(db_->Commit().ok());
  }

  static v1::UsageInterval Interval(v1::IntervalKind kind, absl::Time start,
                                    absl::Time end, bool used,
                                    const std::string& exemption = "") {
    v1::UsageInterval i;
    i.set_kind(kind);
    ToProto(start, i.mutable_start());
    ToProto(end, i.mutable_end());
    i.set_locked(kind == v1::INTERVAL_KIND_AGENT_UP && !used);
    i.set_in_use(used);
    i.set_exemption_reason(exemption);
    return i;
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
  std::vector<ReportDevice> devices_;
};

TEST_F(UsageReportsTest, NoScreenUsedExemptOffAndUnknown) {
  // Tuesday 18 May. tab-used: 40 min of use; tab-exempt: 30 min under an
  // exemption; tab-off: nothing that day, but it reported on the 19th (a
  // shutdown on the 17th, a boot on the 19th: off in between).
  Record("tab-used", "e",
         {Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 5, 18, 9),
                   At(2027, 5, 18, 9, 40), true),
          Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 5, 18, 9, 40),
                   At(2027, 5, 18, 16), false)});
  Record("tab-exempt", "e",
         {Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 5, 18, 10),
                   At(2027, 5, 18, 10, 30), true, "Projet radio")});
  Record("tab-off", "e",
         {Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 5, 17, 8),
                   At(2027, 5, 17, 17), false),
          Interval(v1::INTERVAL_KIND_SHUTDOWN, At(2027, 5, 17, 17),
                   At(2027, 5, 17, 17), false),
          Interval(v1::INTERVAL_KIND_BOOT, At(2027, 5, 19, 8),
                   At(2027, 5, 19, 8, 1), false)});

  v1::NoScreenReportRequest request;
  request.set_include_devices(true);
  auto report = BuildNoScreenReport(*db_, devices_, request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->periods_size(), 1);
  // 5 days, one school; the whiteboard is not covered.
  ASSERT_EQ(report->schools_size(), 5);
  const v1::NoScreenSchoolDay& tuesday = report->schools(1);
  EXPECT_EQ(tuesday.day().day(), 18);
  EXPECT_EQ(tuesday.devices(), 4);
  EXPECT_EQ(tuesday.used(), 1);
  EXPECT_EQ(tuesday.used_minutes(), 40);
  EXPECT_EQ(tuesday.exempt(), 1);
  EXPECT_EQ(tuesday.exempt_minutes(), 30);
  EXPECT_EQ(tuesday.off(), 1);
  EXPECT_EQ(tuesday.unknown(), 1);  // tab-silent: unknown is not zero
  EXPECT_EQ(tuesday.locked_unused(), 0);
  // Known: 3; compliant: off + exempt = 2.
  EXPECT_NEAR(tuesday.compliance_percent(), 200.0 / 3, 1e-9);
  // Monday: tab-off was on and locked; the others silent.
  EXPECT_EQ(report->schools(0).locked_unused(), 1);
  EXPECT_EQ(report->schools(0).unknown(), 3);
  // Friday: nobody known.
  EXPECT_EQ(report->schools(4).compliance_percent(), -1);

  ASSERT_EQ(report->exemptions_size(), 1);
  EXPECT_EQ(report->exemptions(0).reason(), "Projet radio");
  EXPECT_EQ(report->exemptions(0).devices(), 1);
  EXPECT_EQ(report->exemptions(0).minutes(), 30);

  bool found_exempt = false;
  for (const v1::NoScreenDeviceDay& d : report->devices()) {
    if (d.device() == "tab-exempt" && d.day().day() == 18) {
      found_exempt = true;
      EXPECT_EQ(d.status(), v1::NO_SCREEN_STATUS_EXEMPT);
      EXPECT_EQ(d.exemption_reason(), "Projet radio");
      EXPECT_EQ(d.status_text(), "dérogation");
    }
  }
  EXPECT_TRUE(found_exempt);

  // The silent device reports later (its intervals arrive after the fact):
  // the same report now knows it was off on Tuesday.
  Record("tab-silent", "e",
         {Interval(v1::INTERVAL_KIND_BOOT, At(2027, 5, 17, 7),
                   At(2027, 5, 17, 7, 1), false),
          Interval(v1::INTERVAL_KIND_SHUTDOWN, At(2027, 5, 17, 7, 1),
                   At(2027, 5, 17, 7, 1), false),
          Interval(v1::INTERVAL_KIND_BOOT, At(2027, 5, 24, 8),
                   At(2027, 5, 24, 8, 1), false)});
  report = BuildNoScreenReport(*db_, devices_, request);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->schools(1).unknown(), 0);
  EXPECT_EQ(report->schools(1).off(), 2);
  // Friday: tab-silent off; tab-off was last heard of on the 19th, so
  // unknown, not off.
  EXPECT_EQ(report->schools(4).off(), 1);
  EXPECT_EQ(report->schools(4).unknown(), 3);
}

TEST_F(UsageReportsTest, NoScreenRefusesUnknownPeriodsAndNoPolicy) {
  v1::NoScreenReportRequest request;
  request.set_period("Semaine sans tablettes");
  auto unknown = BuildNoScreenReport(*db_, devices_, request);
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_NE(unknown.status().message().find("Semaine sans écrans"),
            std::string::npos);
  for (ReportDevice& d : devices_) d.policy.clear_no_screen_periods();
  EXPECT_TRUE(absl::IsFailedPrecondition(
      BuildNoScreenReport(*db_, devices_, v1::NoScreenReportRequest())
          .status()));
}

TEST_F(UsageReportsTest, ThreeDaysOfflineShowUpPerDayOnceDelivered) {
  v1::DevicesReportRequest request;
  *request.mutable_from() = Day(2027, 3, 1);
  *request.mutable_to() = Day(2027, 3, 5);
  auto before = BuildDevicesReport(*db_, devices_, request);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->devices_size(), 0);
  // Three days recorded offline, delivered at once: 2 h of use a day.
  std::vector<v1::UsageInterval> offline;
  for (int day = 2; day <= 4; ++day) {
    offline.push_back(Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 3, day, 9),
                               At(2027, 3, day, 11), true));
    offline.push_back(Interval(v1::INTERVAL_KIND_AGENT_UP, At(2027, 3, day, 11),
                               At(2027, 3, day, 16), false));
  }
  Record("tab-used", "e", offline);
  auto after = BuildDevicesReport(*db_, devices_, request);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->devices_size(), 3);
  for (const v1::DeviceDayUsage& d : after->devices()) {
    EXPECT_EQ(d.device(), "tab-used");
    EXPECT_EQ(d.used_minutes(), 120);
    EXPECT_EQ(d.on_minutes(), 7 * 60);
  }
  EXPECT_EQ(after->devices(0).day().day(), 2);
  ASSERT_EQ(after->schools_size(), 3);
  EXPECT_EQ(after->schools(0).school(), "ecole-jaures");
  EXPECT_EQ(after->schools(0).kind(), v1::DEVICE_KIND_TABLET);
  EXPECT_EQ(after->schools(0).used_minutes(), 120);
  EXPECT_EQ(after->schools(0).devices(), 4);
  EXPECT_EQ(after->schools(0).devices_used(), 1);

  request.set_school("another-school");
  EXPECT_EQ(BuildDevicesReport(*db_, devices_, request)->devices_size(), 0);
  *request.mutable_to() = Day(2027, 2, 1);
  EXPECT_TRUE(absl::IsInvalidArgument(
      BuildDevicesReport(*db_, devices_, request).status()));
}

TEST(NoScreenStatusTextTest, FrenchByDefaultEnglishAvailable) {
  EXPECT_EQ(NoScreenStatusText(v1::NO_SCREEN_STATUS_OFF, Language::kFrench),
            "éteint");
  EXPECT_EQ(
      NoScreenStatusText(v1::NO_SCREEN_STATUS_UNKNOWN, Language::kEnglish),
      "unknown");
}

}  // namespace
}  // namespace ardoise
