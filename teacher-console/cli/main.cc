// ardoise: the command line for people (teacher-console/cli/app.h).
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "common/program.h"
#include "teacher-console/cli/app.h"
#include "teacher-console/cli/requests.h"

int main(int argc, char** argv) {
  ardoise::InitProgram();
  ardoise::cli::Environment env;
  env.console = std::getenv(ardoise::cli::kConsoleEnv);
  env.ca = std::getenv(ardoise::cli::kCaEnv);
  env.config_home = std::getenv("XDG_CONFIG_HOME");
  env.home = std::getenv("HOME");
  env.token_file = std::getenv(ardoise::cli::kTokenFileEnv);
  env.password = std::getenv(ardoise::cli::kPasswordEnv);
  env.in = &std::cin;
  return ardoise::cli::Main(argc, argv, env, std::cout, std::cerr);
}
