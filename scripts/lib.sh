# Shared by scripts/demo, scripts/test and scripts/bench: install what a fresh
# Debian 12 machine lacks, then build. Source it; do not run it.

ARDOISE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages the build, the tests and the demo need.
ARDOISE_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libsodium-dev libssl-dev libyaml-cpp-dev
  libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  tzdata clang-format clang
)

# What only ./scripts/bench load adds: Veyon's client service and a virtual
# display for the side-by-side idle figures (never needed by the tests).
ARDOISE_BENCH_PACKAGES=(veyon-service libqca-qt5-2-plugins xvfb)

ensure_packages() {
  local missing=()
  for p in "${ARDOISE_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# build DIR [cmake args...]: configure once, then build with 2 jobs (the
# machines this runs on have 2 cores); only $ARDOISE_BUILD_TARGET when set.
build() {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ARDOISE_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir" -j "${ARDOISE_JOBS:-2}" \
    ${ARDOISE_BUILD_TARGET:+--target "$ARDOISE_BUILD_TARGET"}
}
