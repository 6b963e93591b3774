#include "teacher-console/cli/report_commands.h"

#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

v1::NoScreenReportResponse Sample() {
  v1::NoScreenReportResponse r;
  v1::DateRange* p = r.add_periods();
  p->set_name("Semaine sans écrans");
  *p->mutable_from() = Day(2027, 5, 17);
  *p->mutable_to() = Day(2027, 5, 21);
  v1::NoScreenSchoolDay* s = r.add_schools();
  s->set_school("ecole-jaures");
  s->set_period("Semaine sans écrans");
  *s->mutable_day() = Day(2027, 5, 18);
  s->set_devices(4);
  s->set_off(1);
  s->set_used(1);
  s->set_used_minutes(40);
  s->set_exempt(1);
  s->set_exempt_minutes(30);
  s->set_unknown(1);
  s->set_compliance_percent(200.0 / 3);
  v1::ExemptionUse* e = r.add_exemptions();
  e->set_school("ecole-jaures");
  *e->mutable_day() = Day(2027, 5, 18);
  e->set_reason("Projet radio, CM2");
  e->set_devices(1);
  e->set_minutes(30);
  r.set_compliance_percent(200.0 / 3);
  return r;
}

TEST(ReportCommandsTest, DevicesDefaultsToTheLastWeek) {
  auto command = MakeDevicesReport(ReportFlags(), absl::CivilDay(2027, 5, 20));
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->request.from().day(), 14);
  EXPECT_EQ(command->request.to().day(), 20);
  ReportFlags bad;
  bad.from = "2027-05-21";
  bad.to = "2027-05-20";
  EXPECT_TRUE(absl::IsInvalidArgument(
      MakeDevicesReport(bad, absl::CivilDay(2027, 5, 20)).status()));
  bad.from = "21/05/2027";
  EXPECT_TRUE(absl::IsInvalidArgument(
      MakeDevicesReport(bad, absl::CivilDay(2027, 5, 20)).status()));
  ReportFlags english;
  english.lang = "de";
  EXPECT_FALSE(MakeNoScreenReport(english).ok());
}

TEST(ReportCommandsTest, NoScreenTableIsFrenchByDefault) {
  const std::string fr = RenderNoScreenReport(Sample(), Language::kFrench);
  EXPECT_NE(fr.find("Période « Semaine sans écrans » du 2027-05-17 au "
                    "2027-05-21"),
            std::string::npos)
      << fr;
  EXPECT_NE(fr.find("INCONNUS"), std::string::npos);
  EXPECT_NE(fr.find("66,7 %"), std::string::npos);
  EXPECT_NE(fr.find("Projet radio, CM2"), std::string::npos);
  const std::string en = RenderNoScreenReport(Sample(), Language::kEnglish);
  EXPECT_NE(en.find("UNKNOWN"), std::string::npos);
  EXPECT_NE(en.find("66.7 %"), std::string::npos);
}

TEST(ReportCommandsTest, CsvHasStableHeadersAndQuotes) {
  const std::string csv = NoScreenReportCsv(Sample());
  EXPECT_EQ(csv,
            "school,period,day,devices,off,locked_unused,used,used_minutes,"
            "exempt,exempt_minutes,unknown,compliance_percent\n"
            "ecole-jaures,Semaine sans écrans,2027-05-18,4,1,0,1,40,1,30,1,"
            "66.7\n");
  EXPECT_EQ(CsvField("a \"b\", c"), "\"a \"\"b\"\", c\"");
  EXPECT_EQ(CsvField("plain"), "plain");
}

}  // namespace
}  // namespace ardoise::cli
