// ardoise: the command line for people (teacher-console/cli/app.h).
#include <cstdlib>
#include <iostream>

#include "teacher-console/cli/app.h"
#include "teacher-console/cli/requests.h"

int main(int argc, char** argv) {
  return ardoise::cli::Main(argc, argv, std::getenv(ardoise::cli::kConsoleEnv),
                            std::cout, std::cerr);
}
