// EffectiveFor over a city: 30 schools, 4 pools each (2 rooms with a
// whiteboard and PCs, 2 tablet carts), 10,000 devices, with a city file,
// one file per school and pool, and 300 device files (exemptions, limits).
// Target (DESIGN.md, Scale): the console recomputes every device's policy
// after a push in well under 100 ms on 2 cores, i.e. ~10 us per device.
//
// Each "AllDevices" iteration computes all 10,000 devices; "per_device" is
// the time per device (Google Benchmark's inverted rate counter).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/policy/policy_merge.h"
#include "common/policy/policy_parse.h"

namespace ardoise {
namespace {

constexpr int kSchools = 30;
constexpr int kPoolsPerSchool = 4;
constexpr int kDevices = 10000;
constexpr int kDeviceFiles = 300;

struct City {
  std::vector<ParsedPolicy> set;
  std::vector<DeviceScope> devices;
};

ParsedPolicy MustParse(const std::string& yaml, const std::string& file) {
  absl::StatusOr<ParsedPolicy> parsed = ParsePolicy(yaml, file);
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s\n", parsed.status().ToString().c_str());
    std::abort();
  }
  return *std::move(parsed);
}

std::string SchoolName(int s) { return absl::StrCat("ecole-", s); }
std::string PoolName(int s, int p) {
  return absl::StrCat("ecole-", s, "-", p < 2 ? "salle-" : "chariot-", p);
}

const City& TheCity() {
  static const City* city = [] {
    auto* c = new City;
    c->set.push_back(MustParse(R"(scope: city
timezone: Europe/Paris
school_hours:
  monday: ["08:30-11:30", "13:30-16:30"]
  tuesday: ["08:30-11:30", "13:30-16:30"]
  wednesday: ["08:30-11:30"]
  thursday: ["08:30-11:30", "13:30-16:30"]
  friday: ["08:30-11:30", "13:30-16:30"]
holidays:
  - {name: "Vacances de la Toussaint", from: 2026-10-17, to: 2026-11-01}
  - {name: "Vacances de Noël", from: 2026-12-19, to: 2027-01-03}
  - {name: "Pont de l'Ascension", from: 2027-05-06, to: 2027-05-09}
  - {name: "Vacances d'été", from: 2027-07-03, to: 2027-08-31}
weekly_allowance: 3h
no_screen_periods:
  - {name: "Semaine sans écrans 2027", from: 2027-05-17, to: 2027-05-23, kinds: [tablet, whiteboard, pc]}
messages:
  no_screen: "Semaine sans écrans : on joue, on lit, on dessine !"
)",
                               "ville.yaml"));
    for (int s = 0; s < kSchools; ++s) {
      c->set.push_back(
          MustParse(absl::StrCat("scope: {school: ", SchoolName(s), R"(}
school_hours:
  monday: ["08:45-11:45", "13:30-16:30"]
  tuesday: ["08:45-11:45", "13:30-16:30"]
  wednesday: ["08:45-11:45"]
  thursday: ["08:45-11:45", "13:30-16:30"]
  friday: ["08:45-11:45", "13:30-16:30"]
holidays:
  - {name: "Toussaint", from: 2026-10-17, to: 2026-11-01}
  - {name: "Noël", from: 2026-12-19, to: 2027-01-03}
  - {name: "Hiver", from: 2027-02-20, to: 2027-03-07}
  - {name: "Printemps", from: 2027-04-17, to: 2027-05-02}
  - {name: "Ascension", from: 2027-05-06, to: 2027-05-09}
  - {name: "Été", from: 2027-07-03, to: 2027-08-31}
outside_sessions: {daily_limit: 1h}
apps: [gcompris, tuxpaint, scratch, ktuberling]
urls: ["https://lalilo.com"]
messages: {downtime: "L'école est fermée."}
)"),
                    SchoolName(s) + ".yaml"));
      for (int p = 0; p < kPoolsPerSchool; ++p) {
        c->set.push_back(MustParse(
            absl::StrCat("scope: {pool: ", PoolName(s, p), "}\n",
                         p < 2 ? "outside_sessions: {whiteboard: free}\n"
                               : "apps: [gcompris, lalilo]\n"),
            PoolName(s, p) + ".yaml"));
      }
    }
    for (int d = 0; d < kDevices; ++d) {
      const int s = d % kSchools;
      const int p = (d / kSchools) % kPoolsPerSchool;
      v1::DeviceKind kind = v1::DEVICE_KIND_TABLET;
      if (p < 2) {
        kind = (d / (kSchools * kPoolsPerSchool)) % 10 == 0
                   ? v1::DEVICE_KIND_WHITEBOARD
                   : v1::DEVICE_KIND_PC;
      }
      c->devices.push_back(DeviceScope{SchoolName(s), PoolName(s, p),
                                       absl::StrCat("dev-", d), kind});
    }
    for (int d = 0; d < kDevices; d += kDevices / kDeviceFiles) {
      c->set.push_back(MustParse(
          absl::StrCat("scope: {device: dev-", d, "}\n",
                       "outside_sessions: {daily_limit: 30m}\nexemptions:\n",
                       "  - {device: dev-", d,
                       ", period: \"Semaine sans écrans 2027\", reason: "
                       "\"Projet\"}\n"),
          absl::StrCat("dev-", d, ".yaml")));
    }
    return c;
  }();
  return *city;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kDevices);
  state.counters["per_device"] = benchmark::Counter(
      kDevices, benchmark::Counter::kIsIterationInvariantRate |
                    benchmark::Counter::kInvert);
}

void BM_AllDevices_Scan(benchmark::State& state) {
  const City& city = TheCity();
  for (auto _ : state) {
    for (const DeviceScope& device : city.devices) {
      v1::EffectivePolicy p = EffectiveFor(city.set, device, "", nullptr);
      benchmark::DoNotOptimize(p);
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_AllDevices_Scan)->Unit(benchmark::kMillisecond);

void BM_AllDevices_Index(benchmark::State& state) {
  const City& city = TheCity();
  const PolicySetIndex index(city.set);
  for (auto _ : state) {
    for (const DeviceScope& device : city.devices) {
      v1::EffectivePolicy p = EffectiveFor(index, device, "", nullptr);
      benchmark::DoNotOptimize(p);
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_AllDevices_Index)->Unit(benchmark::kMillisecond);

void BM_AllDevices_IndexInClassSession(benchmark::State& state) {
  const City& city = TheCity();
  const PolicySetIndex index(city.set);
  for (auto _ : state) {
    for (const DeviceScope& device : city.devices) {
      v1::EffectivePolicy p = EffectiveFor(index, device, "CM2-A", nullptr);
      benchmark::DoNotOptimize(p);
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_AllDevices_IndexInClassSession)->Unit(benchmark::kMillisecond);

// What `ardoise policy explain` costs for one device, provenance included.
void BM_OneDevice_ExplainWithProvenance(benchmark::State& state) {
  const City& city = TheCity();
  const PolicySetIndex index(city.set);
  const DeviceScope& device = city.devices[0];
  for (auto _ : state) {
    Provenance provenance;
    v1::EffectivePolicy p = EffectiveFor(index, device, "", &provenance);
    std::string text = FormatExplain(p, provenance);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_OneDevice_ExplainWithProvenance)->Unit(benchmark::kMicrosecond);

void BM_IndexBuild(benchmark::State& state) {
  const City& city = TheCity();
  for (auto _ : state) {
    PolicySetIndex index(city.set);
    benchmark::DoNotOptimize(index);
  }
  state.counters["files"] = static_cast<double>(city.set.size());
}
BENCHMARK(BM_IndexBuild)->Unit(benchmark::kMicrosecond);

void BM_ValidateSet(benchmark::State& state) {
  const City& city = TheCity();
  for (auto _ : state) {
    absl::Status status = ValidatePolicySet(city.set);
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
    benchmark::DoNotOptimize(status);
  }
}
BENCHMARK(BM_ValidateSet)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ardoise

BENCHMARK_MAIN();
