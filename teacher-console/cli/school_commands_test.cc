// The school model's tables and the flag checks that are usage errors.
#include "teacher-console/cli/school_commands.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace ardoise::cli {
namespace {

TEST(SchoolTablesTest, SchoolsWithDashForNoDisplayName) {
  v1::ListSchoolsResponse response;
  v1::School* s = response.add_schools();
  s->set_name("ecole-jaures");
  s->set_display_name("École Jean Jaurès");
  s->set_timezone("Europe/Paris");
  s = response.add_schools();
  s->set_name("ecole-cayenne");
  s->set_timezone("America/Cayenne");
  EXPECT_EQ(RenderSchools(response),
            "NAME            DISPLAY NAME        TIMEZONE\n"
            "ecole-jaures    École Jean Jaurès   Europe/Paris\n"
            "ecole-cayenne   -                   America/Cayenne\n");
  EXPECT_EQ(RenderSchools(v1::ListSchoolsResponse()),
            "No schools. Create one with `ardoise schools create NAME`.\n");
}

TEST(SchoolTablesTest, PoolsShowTheirKindAsTheFlagSpellsIt) {
  v1::ListPoolsResponse response;
  v1::Pool* p = response.add_pools();
  p->set_name("chariot-a");
  p->set_school("jaures");
  p->set_kind(v1::POOL_KIND_CART);
  p->set_display_name("Chariot CM");
  p = response.add_pools();
  p->set_name("labo-ville");
  p->set_school("jaures");
  p->set_kind(v1::POOL_KIND_CITY_LAB);
  p = response.add_pools();
  p->set_name("salle-12");
  p->set_school("jaures");
  p->set_kind(v1::POOL_KIND_ROOM);
  EXPECT_EQ(RenderPools(response),
            "NAME         SCHOOL   KIND   DISPLAY NAME\n"
            "chariot-a    jaures   cart   Chariot CM\n"
            "labo-ville   jaures   lab    -\n"
            "salle-12     jaures   room   -\n");
  EXPECT_EQ(RenderPools(v1::ListPoolsResponse()), "No pools.\n");
}

TEST(SchoolTablesTest, ClassesShowLevelsHomeRoomAndGroups) {
  v1::ListClassesResponse response;
  v1::Class* c = response.add_classes();
  c->set_name("cm1-cm2");
  c->set_school("jaures");
  c->add_levels("CM1");
  c->add_levels("CM2");
  c->set_home_room("salle-12");
  c->add_groups("A");
  c->add_groups("B");
  c = response.add_classes();
  c->set_name("cp-a");
  c->set_school("jaures");
  c->add_levels("CP");
  EXPECT_EQ(RenderClasses(response),
            "NAME      SCHOOL   LEVELS    HOME ROOM   GROUPS\n"
            "cm1-cm2   jaures   CM1/CM2   salle-12    A,B\n"
            "cp-a      jaures   CP        -           -\n");
  EXPECT_EQ(RenderClasses(v1::ListClassesResponse()), "No classes.\n");
}

TEST(SchoolTablesTest, AssignmentsShowDatesAndRole) {
  v1::ListAssignmentsRequest request;
  request.set_class_name("cp-a");
  v1::ListAssignmentsResponse response;
  v1::TeacherAssignment* a = response.add_assignments();
  a->set_teacher("mme.martin");
  a->mutable_from()->set_year(2026);
  a->mutable_from()->set_month(9);
  a->mutable_from()->set_day(1);
  a->mutable_to()->set_year(2027);
  a->mutable_to()->set_month(7);
  a->mutable_to()->set_day(4);
  a = response.add_assignments();
  a->set_teacher("m.durand");
  *a->mutable_from() = response.assignments(0).from();
  *a->mutable_to() = response.assignments(0).from();
  a->set_substitute(true);
  EXPECT_EQ(RenderAssignments(request, response),
            "TEACHER      FROM         TO           ROLE\n"
            "mme.martin   2026-09-01   2027-07-04   teacher\n"
            "m.durand     2026-09-01   2026-09-01   substitute\n");
  EXPECT_EQ(RenderAssignments(request, v1::ListAssignmentsResponse()),
            "No teachers assigned to cp-a. Assign one with `ardoise classes "
            "assign cp-a --teacher LOGIN --from DATE --to DATE`.\n");
}

TEST(SchoolFlagsTest, PoolKindsAreRoomCartOrLab) {
  PoolFlags flags{"p", "s", "lab", ""};
  auto pool = MakePool(flags);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(pool->kind(), v1::POOL_KIND_CITY_LAB);
  flags.kind = "chariot";
  pool = MakePool(flags);
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().message(),
            "bad pool kind \"chariot\": use room, cart or lab");
}

TEST(SchoolFlagsTest, LevelsAndGroupsAreSplitOnCommas) {
  auto klass = MakeClass({"c", "s", "CM1,CM2", "salle-12", "A,B"});
  ASSERT_TRUE(klass.ok());
  ASSERT_EQ(klass->levels_size(), 2);
  EXPECT_EQ(klass->levels(1), "CM2");
  ASSERT_EQ(klass->groups_size(), 2);
  EXPECT_EQ(MakeClass({"c", "s", "CP", "", ""})->groups_size(), 0);
}

TEST(SchoolFlagsTest, DatesMustBeRealAndWrittenYyyyMmDd) {
  AssignFlags flags{"cp-a", "m.durand", "2026-11-26", "2026-11-26", true};
  auto assignment = MakeAssignment(flags);
  ASSERT_TRUE(assignment.ok()) << assignment.status();
  EXPECT_EQ(assignment->from().month(), 11);
  EXPECT_TRUE(assignment->substitute());
  for (const char* bad : {"2026-11-6", "26/11/2026", "2027-02-30", ""}) {
    flags.to = bad;
    assignment = MakeAssignment(flags);
    ASSERT_FALSE(assignment.ok()) << bad;
    EXPECT_EQ(assignment.status().message(),
              absl::StrCat("bad date \"", bad,
                           "\" for --to: write YYYY-MM-DD, e.g. 2027-05-17"));
  }
}

}  // namespace
}  // namespace ardoise::cli
