#include "teacher-console/cli/app.h"

#include <termios.h>
#include <unistd.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ardoise/v1/console.pb.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/school_time.h"
#include "common/tls.h"
#include "common/version.h"
#include "teacher-console/cli/account_commands.h"
#include "teacher-console/cli/commands.h"
#include "teacher-console/cli/connection.h"
#include "teacher-console/cli/policy_commands.h"
#include "teacher-console/cli/report_commands.h"
#include "teacher-console/cli/requests.h"
#include "teacher-console/cli/school_commands.h"
#include "teacher-console/cli/session_commands.h"
#include "teacher-console/cli/trust.h"
#include "teacher-console/cli/week_report.h"

namespace ardoise::cli {
namespace {

// The command the words chose, with its checked request, or the usage
// error found while building that request.
class Choice {
 public:
  template <typename Request>
  void Set(absl::StatusOr<Request> request,
           absl::Status (*command)(Session&, const Request&)) {
    if (!request.ok()) {
      usage_error_ = request.status();
      return;
    }
    run_ = [command, request = *std::move(request)](Session& session) {
      return command(session, request);
    };
  }

  // A command that needs no console (e.g. `policy lint`).
  template <typename Request>
  void SetLocal(absl::StatusOr<Request> request,
                absl::Status (*command)(const Request&, std::ostream&)) {
    if (!request.ok()) {
      usage_error_ = request.status();
      return;
    }
    local_ = [command, request = *std::move(request)](std::ostream& out) {
      return command(request, out);
    };
  }

  // The chosen command can print CSV (the reports).
  void AllowCsv() { csv_ok_ = true; }
  bool csv_ok() const { return csv_ok_; }

  const absl::Status& usage_error() const { return usage_error_; }
  bool chosen() const { return run_ || local_; }
  bool local() const { return static_cast<bool>(local_); }
  absl::Status Run(Session& session) const { return run_(session); }
  absl::Status RunLocal(std::ostream& out) const { return local_(out); }

 private:
  absl::Status usage_error_;
  std::function<absl::Status(Session&)> run_;
  std::function<absl::Status(std::ostream&)> local_;
  bool csv_ok_ = false;
};

template <typename Request>
Request WithDevice(const std::string& device) {
  Request request;
  request.set_device(device);
  return request;
}

void AddTokenCommands(CLI::App& app, TokenFlags& flags, Choice& choice) {
  CLI::App* token =
      app.add_subcommand("token", "Enrollment tokens for new devices");
  token->require_subcommand(1);
  CLI::App* create = token->add_subcommand(
      "create", "Create a token and print how to enroll devices with it");
  create->add_option("--school", flags.school, "School the devices join")
      ->type_name("SCHOOL")
      ->required();
  create
      ->add_option("--pool", flags.pool, "Pool (room or cart) the devices join")
      ->type_name("POOL");
  create->add_option("--uses", flags.uses, "How many devices may enroll")
      ->type_name("N")
      ->capture_default_str();
  create->add_option("--ttl", flags.ttl, "How long it stays valid (e.g. 24h)")
      ->type_name("DURATION")
      ->capture_default_str();
  create->callback([&] { choice.Set(MakeTokenRequest(flags), &CreateToken); });
}

// `devices` flags; DEVICE serves show, retire and rekey.
struct DeviceFlags {
  std::string school;
  std::string pool;
  bool all = false;
  std::string device;
};

void AddDeviceCommands(CLI::App& app, DeviceFlags& flags, Choice& choice) {
  CLI::App* devices = app.add_subcommand("devices", "Enrolled devices");
  devices->require_subcommand(1);

  CLI::App* list = devices->add_subcommand("list", "List devices");
  list->add_option("--school", flags.school, "Only this school")
      ->type_name("SCHOOL");
  list->add_option("--pool", flags.pool, "Only this pool")->type_name("POOL");
  list->add_flag("--all", flags.all, "Include retired devices");
  list->callback([&] {
    v1::ListDevicesRequest request;
    request.set_school(flags.school);
    request.set_pool(flags.pool);
    request.set_include_retired(flags.all);
    choice.Set(absl::StatusOr<v1::ListDevicesRequest>(request), &ListDevices);
  });

  CLI::App* show = devices->add_subcommand("show", "Show one device");
  show->add_option("DEVICE", flags.device, "Device name or id")
      ->type_name("")
      ->required();
  show->callback([&] {
    choice.Set(absl::StatusOr<v1::GetDeviceRequest>(
                   WithDevice<v1::GetDeviceRequest>(flags.device)),
               &ShowDevice);
  });

  CLI::App* retire = devices->add_subcommand(
      "retire", "Retire a device: its key stops working at once");
  retire->add_option("DEVICE", flags.device, "Device name or id")
      ->type_name("")
      ->required();
  retire->callback([&] {
    choice.Set(absl::StatusOr<v1::RetireDeviceRequest>(
                   WithDevice<v1::RetireDeviceRequest>(flags.device)),
               &RetireDevice);
  });

  CLI::App* rekey = devices->add_subcommand(
      "rekey",
      "Rotate a device's node key: the console sends the new key to the "
      "device itself; the old one stops working once it is stored");
  rekey->add_option("DEVICE", flags.device, "Device name or id")
      ->type_name("")
      ->required();
  rekey->callback([&] {
    choice.Set(absl::StatusOr<v1::RekeyDeviceRequest>(
                   WithDevice<v1::RekeyDeviceRequest>(flags.device)),
               &RekeyDevice);
  });
}

constexpr char kTargetHelp[] = "NAME, device/NAME, pool/NAME or class/NAME";

void AddLockCommands(CLI::App& app, LockFlags& lock, LockFlags& unlock,
                     Choice& choice) {
  CLI::App* lock_cmd =
      app.add_subcommand("lock", "Lock the screens of a target by hand");
  lock_cmd->add_option("TARGET", lock.target, kTargetHelp)->type_name("");
  lock_cmd->add_flag("--all", lock.all, "Every enrolled device");
  lock_cmd
      ->add_option("--message", lock.message,
                   "Text on the lock screen (default: the standard one)")
      ->type_name("TEXT");
  lock_cmd
      ->add_option("--for", lock.duration,
                   "Lift the lock by itself after this long (e.g. 45m)")
      ->type_name("DURATION");
  lock_cmd->callback(
      [&] { choice.Set(MakeLockRequest(lock, /*locked=*/true), &SetLock); });

  CLI::App* unlock_cmd =
      app.add_subcommand("unlock", "Lift the manual lock of a target");
  unlock_cmd->add_option("TARGET", unlock.target, kTargetHelp)->type_name("");
  unlock_cmd->add_flag("--all", unlock.all, "Every enrolled device");
  unlock_cmd->callback(
      [&] { choice.Set(MakeLockRequest(unlock, /*locked=*/false), &SetLock); });
}

void AddMessageCommand(CLI::App& app, MessageFlags& flags, Choice& choice) {
  CLI::App* message = app.add_subcommand(
      "message", "Show a message on the screens of a target");
  message->add_option("TARGET", flags.target, kTargetHelp)->type_name("");
  message->add_option("TEXT", flags.text, "The message (at most 500 chars)")
      ->type_name("");
  message->add_flag("--all", flags.all,
                    "Every enrolled device (then give only TEXT)");
  message
      ->add_option("--ttl", flags.ttl,
                   "Drop it if not delivered within this (e.g. 15m)")
      ->type_name("DURATION")
      ->capture_default_str();
  message->callback(
      [&] { choice.Set(MakeMessageRequest(flags), &SendMessage); });
}

// `session` flags: `start` has its own; the steering verbs share CLASS.
struct SessionFlags {
  StartFlags start;
  std::string class_name;
  std::string duration;
};

void AddSessionCommands(CLI::App& app, SessionFlags& flags, Choice& choice) {
  CLI::App* session =
      app.add_subcommand("session", "Lessons: run a plan with a class");
  session->require_subcommand(1);
  CLI::App* start = session->add_subcommand(
      "start", "Start a plan on a class's tablets and whiteboard");
  start->add_option("CLASS", flags.start.class_group, "CLASS or CLASS/GROUP")
      ->type_name("")
      ->required();
  start->add_option("PLAN", flags.start.plan_file, "The plan (YAML)")
      ->type_name("")
      ->required();
  start
      ->add_option("--devices", flags.start.pools,
                   "Pools to use instead of the home room (a cart); repeat "
                   "for several")
      ->type_name("POOL");
  start
      ->add_option("--override", flags.start.override_reason,
                   "Start beyond the week's allowance, saying why (audited)")
      ->type_name("REASON");
  start->callback(
      [&] { choice.Set(MakeStartRequest(flags.start), &StartSession); });

  struct Verb {
    const char* name;
    const char* help;
    v1::SteerSessionRequest::Action action;
  };
  static const Verb kVerbs[] = {
      {"next", "Go to the next step now", v1::SteerSessionRequest::ACTION_NEXT},
      {"extend", "Lengthen the current step (within the allowance)",
       v1::SteerSessionRequest::ACTION_EXTEND},
      {"pause", "Lock the tablets and stop the clock",
       v1::SteerSessionRequest::ACTION_PAUSE},
      {"resume", "Run again after a pause",
       v1::SteerSessionRequest::ACTION_RESUME},
      {"end", "End the session", v1::SteerSessionRequest::ACTION_END},
  };
  for (const Verb& verb : kVerbs) {
    CLI::App* cmd = session->add_subcommand(verb.name, verb.help);
    cmd->add_option("CLASS", flags.class_name, "The class")
        ->type_name("")
        ->required();
    if (verb.action == v1::SteerSessionRequest::ACTION_EXTEND) {
      cmd->add_option("DURATION", flags.duration, "How much longer (e.g. 5m)")
          ->type_name("")
          ->required();
    }
    cmd->callback([&flags, &choice, action = verb.action] {
      choice.Set(MakeSteerRequest(flags.class_name, action, flags.duration),
                 &SteerSession);
    });
  }
  CLI::App* status = session->add_subcommand(
      "status", "Steps, time left, allowance and devices of a class's session");
  status->add_option("CLASS", flags.class_name, "The class")
      ->type_name("")
      ->required();
  status->callback([&] {
    v1::GetSessionRequest request;
    request.set_class_name(flags.class_name);
    choice.Set(absl::StatusOr<v1::GetSessionRequest>(request), &GetSession);
  });
}

// `policy` flags.
struct PolicyFlags {
  std::vector<std::string> files;
  bool dry_run = false;
  std::string device;
  std::string school;
};

void AddPolicyCommands(CLI::App& app, PolicyFlags& flags, Choice& choice) {
  CLI::App* policy = app.add_subcommand("policy", "Policies (IT staff)");
  policy->require_subcommand(1);

  CLI::App* lint = policy->add_subcommand(
      "lint", "Check policy files locally, as the console would");
  lint->add_option("FILE", flags.files, "Policy files (YAML)")
      ->type_name("")
      ->required();
  lint->callback([&] {
    choice.SetLocal(MakeApplyPolicyRequest(flags.files, /*dry_run=*/true),
                    &LintPolicies);
  });

  CLI::App* apply = policy->add_subcommand(
      "apply", "Store policy files as a new version and push it to devices");
  apply->add_option("FILE", flags.files, "Policy files (YAML)")
      ->type_name("")
      ->required();
  apply->add_flag("--dry-run", flags.dry_run,
                  "Validate against the console's policies; store nothing");
  apply->callback([&] {
    choice.Set(MakeApplyPolicyRequest(flags.files, flags.dry_run),
               &ApplyPolicy);
  });

  CLI::App* explain = policy->add_subcommand(
      "explain", "Each effective value of a device and the file that set it");
  explain->add_option("DEVICE", flags.device, "Device name or id")
      ->type_name("")
      ->required();
  explain->callback([&] {
    choice.Set(absl::StatusOr<v1::ExplainPolicyRequest>(
                   WithDevice<v1::ExplainPolicyRequest>(flags.device)),
               &ExplainPolicy);
  });

  CLI::App* status =
      policy->add_subcommand("status", "Which policy version each device runs");
  status->add_option("--school", flags.school, "Only this school")
      ->type_name("SCHOOL");
  status->callback([&] {
    v1::PolicyStatusRequest request;
    request.set_school(flags.school);
    choice.Set(absl::StatusOr<v1::PolicyStatusRequest>(request), &PolicyStatus);
  });
}

// `schools`, `pools` and `classes` flags; the list filters share `school`.
struct SchoolModelFlags {
  SchoolFlags school;
  PoolFlags pool;
  ClassFlags klass;
  AssignFlags assign;
  std::string filter_school;
};

void AddSchoolCommands(CLI::App& app, SchoolModelFlags& flags, Choice& choice) {
  CLI::App* schools = app.add_subcommand("schools", "Schools (IT staff)");
  schools->require_subcommand(1);
  CLI::App* create = schools->add_subcommand("create", "Create a school");
  create->add_option("NAME", flags.school.name, "School name (ecole-jaures)")
      ->type_name("")
      ->required();
  create->add_option("--display-name", flags.school.display_name,
                     "Name for people");
  create
      ->add_option("--timezone", flags.school.timezone,
                   "IANA time zone (default: Europe/Paris)")
      ->type_name("ZONE");
  create->callback(
      [&] { choice.Set(MakeSchool(flags.school), &CreateSchool); });
  CLI::App* list = schools->add_subcommand("list", "List the schools");
  list->callback([&] {
    choice.Set(absl::StatusOr<v1::ListSchoolsRequest>(v1::ListSchoolsRequest()),
               &ListSchools);
  });

  CLI::App* pools =
      app.add_subcommand("pools", "Pools of devices: rooms, carts, city lab");
  pools->require_subcommand(1);
  create = pools->add_subcommand("create", "Create a pool in a school");
  create->add_option("NAME", flags.pool.name, "Pool name, unique city-wide")
      ->type_name("")
      ->required();
  create->add_option("--school", flags.pool.school, "School it belongs to")
      ->type_name("SCHOOL")
      ->required();
  create->add_option("--kind", flags.pool.kind, "room, cart or lab")
      ->type_name("KIND")
      ->required();
  create->add_option("--display-name", flags.pool.display_name,
                     "Name for people");
  create->callback([&] { choice.Set(MakePool(flags.pool), &CreatePool); });
  list = pools->add_subcommand("list", "List the pools");
  list->add_option("--school", flags.filter_school, "Only this school")
      ->type_name("SCHOOL");
  list->callback([&] {
    v1::ListPoolsRequest request;
    request.set_school(flags.filter_school);
    choice.Set(absl::StatusOr<v1::ListPoolsRequest>(request), &ListPools);
  });

  CLI::App* classes = app.add_subcommand("classes", "Classes and teachers");
  classes->require_subcommand(1);
  create = classes->add_subcommand("create", "Create a class in a school");
  create->add_option("NAME", flags.klass.name, "Class name, unique city-wide")
      ->type_name("")
      ->required();
  create->add_option("--school", flags.klass.school, "School it belongs to")
      ->type_name("SCHOOL")
      ->required();
  create
      ->add_option("--levels", flags.klass.levels,
                   "Levels among CP,CE1,CE2,CM1,CM2 (e.g. CM1,CM2)")
      ->type_name("LEVELS")
      ->required();
  create
      ->add_option("--home-room", flags.klass.home_room,
                   "Its home room (a pool of kind room)")
      ->type_name("POOL");
  create
      ->add_option("--groups", flags.klass.groups,
                   "Half-class groups, at most 4 (e.g. A,B)")
      ->type_name("GROUPS");
  create->callback([&] { choice.Set(MakeClass(flags.klass), &CreateClass); });
  list = classes->add_subcommand("list", "List the classes");
  list->add_option("--school", flags.filter_school, "Only this school")
      ->type_name("SCHOOL");
  list->callback([&] {
    v1::ListClassesRequest request;
    request.set_school(flags.filter_school);
    choice.Set(absl::StatusOr<v1::ListClassesRequest>(request), &ListClasses);
  });
  CLI::App* assign = classes->add_subcommand(
      "assign", "Give a class to a teacher for a range of dates");
  assign->add_option("CLASS", flags.assign.class_name, "Class name")
      ->type_name("")
      ->required();
  assign->add_option("--teacher", flags.assign.teacher, "Teacher's login")
      ->type_name("LOGIN")
      ->required();
  assign->add_option("--from", flags.assign.from, "First day")
      ->type_name("YYYY-MM-DD")
      ->required();
  assign->add_option("--to", flags.assign.to, "Last day (included)")
      ->type_name("YYYY-MM-DD")
      ->required();
  assign->add_flag("--substitute", flags.assign.substitute,
                   "A substitute replacing the class teacher");
  assign->callback(
      [&] { choice.Set(MakeAssignment(flags.assign), &AssignTeacher); });
  CLI::App* teachers =
      classes->add_subcommand("teachers", "The teachers of a class");
  teachers->add_option("CLASS", flags.assign.class_name, "Class name")
      ->type_name("")
      ->required();
  teachers->callback([&] {
    v1::ListAssignmentsRequest request;
    request.set_class_name(flags.assign.class_name);
    choice.Set(absl::StatusOr<v1::ListAssignmentsRequest>(request),
               &ListAssignments);
  });
}

void AddReportCommands(CLI::App& app, ReportFlags& flags, WeekReportFlags& week,
                       Choice& choice) {
  CLI::App* report = app.add_subcommand(
      "report", "Reports (tables in French; --lang en for English)");
  report->require_subcommand(1);

  CLI::App* week_cmd = report->add_subcommand(
      "week", "The weekly half-day per class against its target");
  week_cmd->add_option("--week", week.week, "ISO week (default: this week)")
      ->type_name("YYYY-Www");
  week_cmd->add_option("--school", week.school, "Only this school")
      ->type_name("SCHOOL");
  week_cmd
      ->add_option("--class", week.class_name,
                   "Only this class (teachers: one of theirs)")
      ->type_name("CLASS");
  week_cmd->add_option("--lang", week.lang, "fr or en")->capture_default_str();
  week_cmd->add_option("--svg", week.svg, "Also write a chart to this file")
      ->type_name("FILE");
  week_cmd->callback([&] {
    choice.Set(MakeWeekReport(week), &RunWeekReport);
    choice.AllowCsv();
  });

  CLI::App* devices = report->add_subcommand(
      "devices", "Equipment use: minutes used per device and day");
  devices->add_option("--from", flags.from, "First day (default: a week ago)")
      ->type_name("YYYY-MM-DD");
  devices->add_option("--to", flags.to, "Last day (default: today)")
      ->type_name("YYYY-MM-DD");
  devices->add_option("--school", flags.school, "Only this school")
      ->type_name("SCHOOL");
  devices->add_flag("--by-kind", flags.by_kind,
                    "Only the per school and device kind view (the city's)");
  devices->add_option("--lang", flags.lang, "fr or en")->capture_default_str();
  devices->callback([&] {
    const absl::TimeZone zone =
        LoadSchoolTimeZone(kDefaultTimeZone).value_or(absl::LocalTimeZone());
    choice.Set(MakeDevicesReport(flags, absl::ToCivilDay(absl::Now(), zone)),
               &DevicesReport);
    choice.AllowCsv();
  });

  CLI::App* no_screen = report->add_subcommand(
      "no-screen",
      "The no-screen week: per school and day, devices off, locked, used, "
      "exempt or unknown");
  no_screen
      ->add_option("--period", flags.period,
                   "A no-screen period's name (default: all)")
      ->type_name("NAME");
  no_screen->add_option("--school", flags.school, "Only this school")
      ->type_name("SCHOOL");
  no_screen->add_flag("--devices", flags.devices,
                      "Also each device and day (IT staff)");
  no_screen->add_option("--lang", flags.lang, "fr or en")
      ->capture_default_str();
  no_screen
      ->add_option("--svg", flags.svg,
                   "Also write a heat map (school x day) to this file")
      ->type_name("FILE");
  no_screen->callback([&] {
    choice.Set(MakeNoScreenReport(flags), &NoScreenReport);
    choice.AllowCsv();
  });
}

// Flags that only carry --password-file, for reset-password.
AccountFlags PasswordOnly(const AccountFlags& flags) {
  AccountFlags only;
  only.login = flags.login;
  only.role = "it_admin";
  only.password_file = flags.password_file;
  return only;
}

void AddAccountCommands(CLI::App& app, AccountFlags& flags, Choice& choice) {
  CLI::App* login = app.add_subcommand(
      "login",
      "Log in: ask the password (or read $ARDOISE_PASSWORD) and keep the "
      "session's token (0600, next to ca.pem) for 12 hours");
  login->add_option("--user", flags.login, "Your login")
      ->type_name("LOGIN")
      ->required();
  login->callback([&] {
    v1::LoginRequest request;
    request.set_login(flags.login);
    choice.Set(absl::StatusOr<v1::LoginRequest>(request), &Login);
  });
  app.add_subcommand("logout", "End this session and forget its token")
      ->callback([&] {
        choice.Set(absl::StatusOr<v1::LogoutRequest>(v1::LogoutRequest()),
                   &Logout);
      });

  CLI::App* users = app.add_subcommand("users", "People's accounts");
  users->require_subcommand(1);
  CLI::App* create = users->add_subcommand(
      "create", "Create an account (a random password is printed once)");
  create->add_option("LOGIN", flags.login, "Its login")
      ->type_name("")
      ->required();
  create
      ->add_option("--role", flags.role,
                   "it_admin, director, teacher or city_viewer")
      ->type_name("ROLE")
      ->required();
  create
      ->add_option("--school", flags.school,
                   "Its school (none: city-wide, for it_admin and "
                   "city_viewer)")
      ->type_name("SCHOOL");
  create
      ->add_option("--password-file", flags.password_file,
                   "Read its password from this file (for scripts)")
      ->type_name("FILE");
  create->callback([&] { choice.Set(MakeCreateUser(flags), &CreateUser); });

  CLI::App* list = users->add_subcommand("list", "List accounts");
  list->add_option("--school", flags.school, "Only this school")
      ->type_name("SCHOOL");
  list->callback([&] {
    v1::ListUsersRequest request;
    request.set_school(flags.school);
    choice.Set(absl::StatusOr<v1::ListUsersRequest>(request), &ListUsers);
  });

  CLI::App* disable = users->add_subcommand(
      "disable", "Disable an account and end its sessions");
  disable->add_option("LOGIN", flags.login, "The account")
      ->type_name("")
      ->required();
  disable->callback([&] {
    v1::DisableUserRequest request;
    request.set_login(flags.login);
    choice.Set(absl::StatusOr<v1::DisableUserRequest>(request), &DisableUser);
  });

  CLI::App* reset = users->add_subcommand(
      "reset-password",
      "Give an account a new password (random, printed once), clear its "
      "lock");
  reset->add_option("LOGIN", flags.login, "The account")
      ->type_name("")
      ->required();
  reset
      ->add_option("--password-file", flags.password_file,
                   "Read the new password from this file")
      ->type_name("FILE");
  reset->callback([&] {
    absl::StatusOr<v1::CreateUserRequest> password_source =
        MakeCreateUser(PasswordOnly(flags));
    if (!password_source.ok()) {
      choice.Set(
          absl::StatusOr<v1::ResetPasswordRequest>(password_source.status()),
          &ResetPassword);
      return;
    }
    v1::ResetPasswordRequest request;
    request.set_login(flags.login);
    request.set_password(password_source->password());
    choice.Set(absl::StatusOr<v1::ResetPasswordRequest>(request),
               &ResetPassword);
  });

  CLI::App* audit = app.add_subcommand("audit", "The audit trail");
  audit->require_subcommand(1);
  CLI::App* audit_list =
      audit->add_subcommand("list", "Who did what, newest first");
  audit_list
      ->add_option("--since", flags.since,
                   "Only since then: a duration (2h, 3d) or a time")
      ->type_name("DURATION|TIME");
  audit_list->add_option("--actor", flags.actor, "Only this login")
      ->type_name("LOGIN");
  audit_list->add_option("--limit", flags.limit, "At most this many lines")
      ->type_name("N")
      ->capture_default_str();
  audit_list->callback(
      [&] { choice.Set(MakeListAudit(flags, absl::Now()), &ListAudit); });
}

// Reads a password: $ARDOISE_PASSWORD, else a line from `in` — with the
// terminal's echo off when `in` is the terminal.
absl::StatusOr<std::string> ReadPassword(const Environment& env,
                                         std::ostream& err) {
  if (env.password != nullptr && env.password[0] != '\0') {
    return std::string(env.password);
  }
  if (env.in == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no password: set ", kPasswordEnv));
  }
  const bool tty = env.in == &std::cin && isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    err << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  const bool read = static_cast<bool>(std::getline(*env.in, password));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    err << "\n";
  }
  if (!read || password.empty()) {
    return absl::InvalidArgumentError("no password given");
  }
  return password;
}

}  // namespace

int Main(int argc, const char* const* argv, const Environment& env,
         std::ostream& out, std::ostream& err) {
  CLI::App app{"ardoise: the command line of the Ardoise teacher console"};
  app.name("ardoise");
  app.set_version_flag("--version", std::string(kVersion));
  app.require_subcommand(1);
  app.fallthrough();  // --console and -o also work after NOUN VERB
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return "ardoise: " + CLI::FailureMessage::simple(failed, e);
  });

  std::string console;
  std::string output = "table";
  app.add_option("--console", console,
                 std::string("Console address (default: $") + kConsoleEnv + ")")
      ->type_name("HOST:PORT");
  std::string ca_flag;
  app.add_option("--ca", ca_flag,
                 std::string("The console's CA certificate (default: $") +
                     kCaEnv + ", else ~/.config/ardoise/ca.pem)")
      ->type_name("FILE");
  app.add_option("-o,--output", output, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();

  Choice choice;
  TokenFlags token;
  DeviceFlags devices;
  LockFlags lock;
  LockFlags unlock;
  MessageFlags message;
  AddTokenCommands(app, token, choice);
  AddDeviceCommands(app, devices, choice);
  AddLockCommands(app, lock, unlock, choice);
  AddMessageCommand(app, message, choice);
  PolicyFlags policy;
  AddPolicyCommands(app, policy, choice);
  SchoolModelFlags school_model;
  AddSchoolCommands(app, school_model, choice);
  SessionFlags session_flags;
  AddSessionCommands(app, session_flags, choice);
  ReportFlags report;
  WeekReportFlags week_report;
  AddReportCommands(app, report, week_report, choice);
  AccountFlags accounts;
  AddAccountCommands(app, accounts, choice);
  TrustFlags trust;
  CLI::App* trust_cmd = app.add_subcommand(
      "trust",
      "Pin the console's CA: show its sha256 pin, confirm, save it for the "
      "other commands");
  trust_cmd
      ->add_option("--pin", trust.pin,
                   "The expected pin (from `ardoise-console pin`): no question")
      ->type_name("sha256:HEX");
  trust_cmd->add_flag("--yes", trust.yes,
                      "Trust what the console presents without a question");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit with 0; everything else is a usage error.
    return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
  }
  if (!choice.usage_error().ok()) {
    err << "ardoise: " << choice.usage_error().message() << "\n";
    return kExitUsage;
  }
  if (output == "csv" && !choice.csv_ok()) {
    err << "ardoise: -o csv is for reports (`ardoise report ...`); use -o "
           "json or -o table here\n";
    return kExitUsage;
  }
  if (!choice.chosen() && !trust_cmd->parsed()) {  // CLI11 requires a verb
    err << "ardoise: no command given (see --help)\n";
    return kExitUsage;
  }
  if (choice.local()) {
    absl::Status status = choice.RunLocal(out);
    if (!status.ok()) {
      err << "ardoise: " << status.message() << "\n";
      return kExitFailed;
    }
    return kExitOk;
  }
  absl::StatusOr<std::string> address =
      ResolveConsoleAddress(console, env.console);
  if (!address.ok()) {
    err << "ardoise: " << address.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<CaLocation> ca_location =
      ResolveCaPath(ca_flag, env.ca, env.config_home, env.home);
  if (!ca_location.ok()) {
    err << "ardoise: " << ca_location.status().message() << "\n";
    return kExitUsage;
  }
  if (trust_cmd->parsed()) {
    absl::Status status = Trust(
        *address, trust, ca_location->path,
        [](const std::string& a) { return FetchPeerChain(a, kCallDeadline); },
        env.in, out);
    if (!status.ok()) {
      err << "ardoise: " << status.message() << "\n";
      return kExitFailed;
    }
    return kExitOk;
  }
  absl::StatusOr<std::string> ca_pem = ReadFile(ca_location->path);
  if (absl::IsNotFound(ca_pem.status()) && !ca_location->chosen &&
      app.got_subcommand("login")) {
    // First login from this account: pin the console's CA on first use,
    // with the same confirmation as `ardoise trust`.
    absl::Status trusted = Trust(
        *address, TrustFlags{}, ca_location->path,
        [](const std::string& a) { return FetchPeerChain(a, kCallDeadline); },
        env.in, out);
    if (!trusted.ok()) {
      err << "ardoise: " << trusted.message() << "\n";
      return kExitFailed;
    }
    ca_pem = ReadFile(ca_location->path);
  }
  if (!ca_pem.ok()) {
    if (absl::IsNotFound(ca_pem.status()) && !ca_location->chosen) {
      err << "ardoise: no CA trusted for the console yet (" << ca_location->path
          << " is missing): run `ardoise trust --console " << *address
          << "` to pin it, or pass --ca FILE (a copy of the console's "
             "ca.pem)\n";
    } else {
      err << "ardoise: cannot read the console's CA: "
          << ca_pem.status().message() << "\n";
    }
    return kExitFailed;
  }
  absl::StatusOr<std::unique_ptr<v1::Console::StubInterface>> stub =
      ConnectConsole(*address, *ca_pem, ca_location->path);
  if (!stub.ok()) {
    err << "ardoise: " << stub.status().message() << "\n";
    return kExitFailed;
  }
  Session session;
  session.console = stub->get();
  session.address = *address;
  session.format = output == "json"  ? OutputFormat::kJson
                   : output == "csv" ? OutputFormat::kCsv
                                     : OutputFormat::kTable;
  session.out = &out;
  session.clock = Clock::Real();
  absl::StatusOr<std::string> token_path =
      ResolveTokenPath(env.token_file, env.config_home, env.home);
  if (!token_path.ok()) {
    err << "ardoise: " << token_path.status().message() << "\n";
    return kExitUsage;
  }
  session.token_path = *token_path;
  absl::StatusOr<std::string> saved_token = ReadFile(*token_path);
  if (saved_token.ok()) {
    session.token = std::string(absl::StripAsciiWhitespace(*saved_token));
  }
  session.read_password = [&env, &err] { return ReadPassword(env, err); };
  absl::Status status = choice.Run(session);
  if (!status.ok()) {
    err << "ardoise: " << status.message() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace ardoise::cli
