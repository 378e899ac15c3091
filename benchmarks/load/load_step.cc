#include "benchmarks/load/load_step.h"

#include <cmath>

#include "fmt/format.h"

namespace feedrank::load {
namespace {

// 11.6 days: a step's times stay far inside the steady clock's range (about 292 years of ns).
constexpr double kMaxStepSeconds = 1e6;

// Seconds as the whole milliseconds a step runs (rounded): finite, at most kMaxStepSeconds and
// at least 1 ms, or 0 itself where `zero_ok` (no warm-up).
absl::StatusOr<std::chrono::milliseconds> step_time(double seconds, std::string_view flag,
                                                    bool zero_ok) {
  const bool in_range = seconds >= 0 && seconds <= kMaxStepSeconds;  // NaN is not
  const std::chrono::milliseconds ms(in_range ? std::llround(seconds * 1000) : 0);
  if (!in_range || (ms.count() == 0 && !(zero_ok && seconds == 0))) {
    return absl::InvalidArgumentError(fmt::format("{}: {:g} is not {}seconds from 0.001 to 1e6",
                                                  flag, seconds, zero_ok ? "0 or " : ""));
  }
  return ms;
}

absl::Status check_rate(double rate, std::string_view flag) {
  if (rate > 0 && rate <= kMaxRatePerS) return absl::OkStatus();  // NaN fails too
  return absl::InvalidArgumentError(
      fmt::format("{}: {:g} is not a rate in (0, {:.0f}] calls/s", flag, rate, kMaxRatePerS));
}

// --rate and --callers each belong to one loop: given to the other they would be ignored.
absl::Status check_loop(const StepFlags& flags) {
  if (flags.loop != "open" && flags.loop != "closed") {
    return absl::InvalidArgumentError(
        fmt::format("--loop: '{}' is not open or closed", flags.loop));
  }
  if (flags.loop == "open" && !flags.callers.empty()) {
    return absl::InvalidArgumentError("--callers: closed loop only (--loop closed)");
  }
  if (flags.loop == "closed" && !flags.rates.empty()) {
    return absl::InvalidArgumentError(
        "--rate: open loop only (--loop open); a closed loop takes --callers");
  }
  return absl::OkStatus();
}

std::string rate_label(double rate) { return fmt::format("{:g}/s", rate); }

}  // namespace

absl::StatusOr<std::vector<StepSpec>> plan_steps(const StepFlags& flags) {
  if (absl::Status loop = check_loop(flags); !loop.ok()) return loop;
  auto mix = CallMix::parse(flags.mix, "--mix");
  if (!mix.ok()) return mix.status();
  auto write_mix = CallMix::parse(flags.write_mix, "--write-mix");
  if (!write_mix.ok()) return write_mix.status();
  for (CallKind kind :
       {CallKind::kChronologicalFeed, CallKind::kAlgorithmicFeed, CallKind::kNearestPosts}) {
    if (write_mix->share(kind) > 0) {
      return absl::InvalidArgumentError("--write-mix: only posts, engagements and writes");
    }
  }
  if (flags.write_rate != 0) {
    if (absl::Status rate = check_rate(flags.write_rate, "--write-rate"); !rate.ok()) return rate;
  }
  const auto warmup = step_time(flags.warmup_s, "--warmup", /*zero_ok=*/true);
  if (!warmup.ok()) return warmup.status();
  const auto measure = step_time(flags.duration_s, "--duration", /*zero_ok=*/false);
  if (!measure.ok()) return measure.status();

  const bool open = flags.loop == "open";
  const std::vector<double> rates = flags.rates.empty() ? std::vector{kDefaultRate} : flags.rates;
  const std::vector<int> callers =
      flags.callers.empty() ? std::vector{kDefaultCallers} : flags.callers;
  std::vector<StepSpec> steps;
  for (std::size_t i = 0; i < (open ? rates.size() : callers.size()); ++i) {
    StepSpec step;
    step.warmup = *warmup;
    step.measure = *measure;
    StreamSpec main;
    main.mix = *mix;
    main.open_loop = open;
    if (open) {
      if (absl::Status rate = check_rate(rates[i], "--rate"); !rate.ok()) return rate;
      main.rate_per_s = rates[i];
      main.poisson = flags.poisson;
      main.max_outstanding = flags.max_outstanding;
      main.label = fmt::format("open {}", rate_label(main.rate_per_s));
    } else {
      if (callers[i] < 1) return absl::InvalidArgumentError("--callers: at least 1");
      main.callers = callers[i];
      main.label = fmt::format("closed {} callers", main.callers);
    }
    step.name = main.label;
    step.streams.push_back(main);
    if (flags.write_rate > 0) {
      StreamSpec writes;
      writes.mix = *write_mix;
      writes.open_loop = true;
      writes.rate_per_s = flags.write_rate;
      writes.poisson = flags.poisson;
      writes.max_outstanding = flags.max_outstanding;
      writes.label = fmt::format("writes {}", rate_label(flags.write_rate));
      step.streams.push_back(writes);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

absl::Status check_posts(const std::vector<StepSpec>& steps, std::uint64_t posts) {
  if (posts > 0) return absl::OkStatus();
  for (const StepSpec& step : steps) {
    for (const StreamSpec& stream : step.streams) {
      if (stream.mix.share(CallKind::kRecordEngagements) > 0) {
        return absl::InvalidArgumentError(
            "--posts: RecordEngagements calls (engagements or writes in --mix or --write-mix) "
            "engage with the corpus's posts, and there are none");
      }
    }
  }
  return absl::OkStatus();
}

std::uint64_t KindStats::calls() const {
  std::uint64_t total = 0;
  for (const auto& [code, calls] : codes) total += calls;
  return total;
}

std::uint64_t KindStats::ok() const {
  const auto found = codes.find(0);
  return found == codes.end() ? 0 : found->second;
}

std::uint64_t KindStats::dropped() const {
  const auto found = codes.find(kDroppedCode);
  return found == codes.end() ? 0 : found->second;
}

void KindStats::merge(const KindStats& other) {
  ok_latency.merge(other.ok_latency);
  for (const auto& [code, calls] : other.codes) codes[code] += calls;
}

std::uint64_t StepResult::sent_calls() const {
  std::uint64_t total = 0;
  for (const StreamResult& stream : streams) {
    for (const KindStats& kind : stream.kinds) total += kind.calls() - kind.dropped();
  }
  return total;
}

void StreamResult::merge(const StreamResult& other) {
  for (std::size_t i = 0; i < kCallKinds; ++i) kinds[i].merge(other.kinds[i]);
  pacing.add(other.pacing);
}

}  // namespace feedrank::load
