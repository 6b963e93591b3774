// The school model end to end: schools, pools, classes and teachers created
// through the real CLI, refusals that name the problem, and durability across
// a console SIGKILL.
#include <signal.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace ardoise::testing {
namespace {

class SchoolTest : public ::testing::Test {
 protected:
  void SetUp() override { bed_.StartConsole(); }

  // Runs the CLI, expecting success.
  void Ok(const std::vector<std::string>& args) {
    const CommandResult r = bed_.Cli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
  }

  // Runs the CLI, expecting a refusal (exit 1) whose line says `what`.
  void Refused(const std::vector<std::string>& args, const std::string& what) {
    const CommandResult r = bed_.Cli(args);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos)
        << "expected \"" << what << "\" in: " << r.err;
  }

  void ExpectEverythingListed() {
    v1::ListSchoolsResponse schools;
    ASSERT_TRUE(bed_.CliJson({"schools", "list"}, &schools));
    ASSERT_EQ(schools.schools_size(), 1);
    EXPECT_EQ(schools.schools(0).name(), "ecole-jaures");
    EXPECT_EQ(schools.schools(0).display_name(), "École Jean Jaurès");
    EXPECT_EQ(schools.schools(0).timezone(), "Europe/Paris");

    v1::ListPoolsResponse pools;
    ASSERT_TRUE(
        bed_.CliJson({"pools", "list", "--school", "ecole-jaures"}, &pools));
    ASSERT_EQ(pools.pools_size(), 2);
    EXPECT_EQ(pools.pools(0).name(), "chariot-cm");
    EXPECT_EQ(pools.pools(0).kind(), v1::POOL_KIND_CART);
    EXPECT_EQ(pools.pools(1).name(), "salle-12");
    EXPECT_EQ(pools.pools(1).kind(), v1::POOL_KIND_ROOM);

    v1::ListClassesResponse classes;
    ASSERT_TRUE(bed_.CliJson({"classes", "list"}, &classes));
    ASSERT_EQ(classes.classes_size(), 1);
    const v1::Class& c = classes.classes(0);
    EXPECT_EQ(c.name(), "cm1-cm2");
    ASSERT_EQ(c.levels_size(), 2);
    EXPECT_EQ(c.levels(0), "CM1");
    EXPECT_EQ(c.levels(1), "CM2");
    EXPECT_EQ(c.home_room(), "salle-12");
    ASSERT_EQ(c.groups_size(), 2);
    EXPECT_EQ(c.groups(1), "B");

    v1::ListAssignmentsResponse teachers;
    ASSERT_TRUE(bed_.CliJson({"classes", "teachers", "cm1-cm2"}, &teachers));
    ASSERT_EQ(teachers.assignments_size(), 2);
    EXPECT_EQ(teachers.assignments(0).teacher(), "mme.martin");
    EXPECT_FALSE(teachers.assignments(0).substitute());
    EXPECT_EQ(teachers.assignments(1).teacher(), "m.durand");
    EXPECT_TRUE(teachers.assignments(1).substitute());
    EXPECT_EQ(teachers.assignments(1).from().day(), 26);
  }

  TestBed bed_;
};

TEST_F(SchoolTest, SchoolModelIsCreatedListedRefusedAndSurvivesAKill) {
  Ok({"schools", "create", "ecole-jaures", "--display-name",
      "École Jean Jaurès"});
  Ok({"pools", "create", "salle-12", "--school", "ecole-jaures", "--kind",
      "room"});
  Ok({"pools", "create", "chariot-cm", "--school", "ecole-jaures", "--kind",
      "cart", "--display-name", "Chariot CM"});
  Ok({"classes", "create", "cm1-cm2", "--school", "ecole-jaures", "--levels",
      "CM1,CM2", "--home-room", "salle-12", "--groups", "A,B"});
  Ok({"classes", "assign", "cm1-cm2", "--teacher", "mme.martin", "--from",
      "2026-09-01", "--to", "2027-07-04"});
  Ok({"classes", "assign", "cm1-cm2", "--teacher", "m.durand", "--from",
      "2026-11-26", "--to", "2026-11-26", "--substitute"});

  const CommandResult table = bed_.Cli({"classes", "list"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("cm1-cm2   ecole-jaures   CM1/CM2   salle-12"),
            std::string::npos)
      << table.out;
  ExpectEverythingListed();

  Refused({"pools", "create", "salle-1", "--school", "ecole-ferry", "--kind",
           "room"},
          "no school \"ecole-ferry\"");
  Refused({"classes", "create", "cp-a", "--school", "ecole-jaures", "--levels",
           "CP", "--home-room", "chariot-cm"},
          "home room \"chariot-cm\" is not a room but a cart");
  Refused({"classes", "create", "cp-a", "--school", "ecole-jaures", "--levels",
           "CP,6e"},
          "bad level \"6e\"");
  Refused({"schools", "create", "ecole-jaures"},
          "a school named \"ecole-jaures\" already exists");
  Refused({"pools", "create", "salle-12", "--school", "ecole-jaures", "--kind",
           "room"},
          "a pool named \"salle-12\" already exists");
  Refused({"classes", "create", "cm1-cm2", "--school", "ecole-jaures",
           "--levels", "CP"},
          "a class named \"cm1-cm2\" already exists");
  Refused({"classes", "assign", "cm1-cm2", "--teacher", "mme.martin", "--from",
           "2026-09-01", "--to", "2027-07-04"},
          "already assigned");
  // A usage error is told apart from a refusal.
  EXPECT_EQ(bed_.Cli({"pools", "create", "x", "--school", "ecole-jaures",
                      "--kind", "chariot"})
                .exit_code,
            2);

  // Every answered creation was committed: a SIGKILL loses none of them.
  bed_.KillConsole(SIGKILL);
  bed_.StartConsole();
  ExpectEverythingListed();
}

}  // namespace
}  // namespace ardoise::testing
