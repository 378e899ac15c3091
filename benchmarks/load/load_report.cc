#include "benchmarks/load/load_report.h"

#include <grpcpp/grpcpp.h>

#include "fmt/format.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::load {
namespace {

constexpr double kPercentiles[] = {50, 90, 99, 99.9};

std::string code_name(int code) {
  if (code == kDroppedCode) return "DROPPED (client)";
  return std::string(cli::status_code_name(static_cast<grpc::StatusCode>(code)));
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

// "RESOURCE_EXHAUSTED 1200 (6.0%), DEADLINE_EXCEEDED 3 (0.0%)": every outcome but OK.
std::string failures(const KindStats& stats) {
  std::string out;
  for (const auto& [code, calls] : stats.codes) {
    if (code == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {} ({:.1f}%)", code_name(code), calls,
                       100.0 * static_cast<double>(calls) / static_cast<double>(stats.calls()));
  }
  return out.empty() ? "none" : out;
}

std::string pacing_line(const StreamResult& stream, double seconds) {
  const PacerCounts& p = stream.pacing;
  const auto share = [&](std::uint64_t n) {
    return p.due == 0 ? 0.0 : 100.0 * static_cast<double>(n) / static_cast<double>(p.due);
  };
  return fmt::format(
      "stream {}: intended {:.0f}/s, due {:.0f}/s, sent {:.0f}/s; late (sent > --late-ms behind "
      "schedule) {} ({:.2f}%), dropped at the outstanding cap ({}) {} ({:.2f}%); send delay "
      "p50 {:.3f} ms, p99 {:.3f} ms",
      stream.spec.label, stream.spec.rate_per_s, static_cast<double>(p.due) / seconds,
      static_cast<double>(p.sent) / seconds, p.late, share(p.late), stream.spec.max_outstanding,
      p.dropped, share(p.dropped), ms(p.send_delay.percentile_ns(50)),
      ms(p.send_delay.percentile_ns(99)));
}

// "server 1.62 cores (2.15 ms a call), load generator 0.31 cores", or what of it is known.
std::string cpu_line(const StepResult& step) {
  std::string out;
  if (step.cpu.window_s <= 0) return out;
  // Both per second, each over its own window: the CPU's as sampled, the calls' the nominal one.
  const double calls_per_s = static_cast<double>(step.sent_calls()) / step.measured_s;
  if (step.cpu.server_s) {
    const double cores = *step.cpu.server_s / step.cpu.window_s;
    out = fmt::format("server {:.2f} cores", cores);
    if (calls_per_s > 0) out += fmt::format(" ({:.3f} ms a call)", 1e3 * cores / calls_per_s);
  }
  if (step.cpu.load_generator_s) {
    if (!out.empty()) out += ", ";
    out +=
        fmt::format("load generator {:.2f} cores", *step.cpu.load_generator_s / step.cpu.window_s);
  }
  return out;
}

// The row's RPC, marked when some of its calls were dropped (kDroppedNote).
std::string rpc_cell(std::size_t kind, const KindStats& stats) {
  const std::string_view name = call_name(static_cast<CallKind>(kind));
  return stats.dropped() > 0 ? fmt::format("{} *", name) : std::string(name);
}

constexpr std::string_view kDroppedNote =
    "* calls dropped at the outstanding cap, never sent (DROPPED (client) under not OK): the "
    "stream saturated, and the latencies are of the calls sent only";

}  // namespace

void print_table(const std::vector<StepResult>& steps, std::ostream& out) {
  out << "| step | stream | rpc | calls | OK/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | "
         "mean ms | not OK |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::vector<std::string> notes;
  bool dropped = false;
  for (const StepResult& step : steps) {
    if (const std::string cpu = cpu_line(step); !cpu.empty()) {
      notes.push_back(fmt::format(
          "step {}, CPU in the measuring window (calls of every stream): {}", step.name, cpu));
    }
    for (const StreamResult& stream : step.streams) {
      for (std::size_t k = 0; k < kCallKinds; ++k) {
        const KindStats& stats = stream.kinds[k];
        if (stats.calls() == 0) continue;
        const LatencyHistogram& h = stats.ok_latency;
        dropped = dropped || stats.dropped() > 0;
        out << fmt::format("| {} | {} | {} | {} | {:.0f} ", step.name, stream.spec.label,
                           rpc_cell(k, stats), stats.calls(),
                           static_cast<double>(stats.ok()) / step.measured_s);
        for (double p : kPercentiles) out << fmt::format("| {:.2f} ", ms(h.percentile_ns(p)));
        out << fmt::format("| {:.2f} | {:.2f} | {} |\n", ms(h.max_ns()), h.mean_ns() / 1e6,
                           failures(stats));
      }
      if (stream.spec.open_loop) {
        notes.push_back(
            fmt::format("step {}, {}", step.name, pacing_line(stream, step.measured_s)));
      }
    }
  }
  if (dropped) notes.emplace_back(kDroppedNote);
  if (!notes.empty()) out << "\n";
  for (const std::string& note : notes) out << "- " << note << "\n";
}

nlohmann::json to_json(const std::vector<StepResult>& steps, const nlohmann::json& setup) {
  nlohmann::json doc = {{"setup", setup}, {"steps", nlohmann::json::array()}};
  for (const StepResult& step : steps) {
    nlohmann::json step_json = {
        {"name", step.name}, {"measured_s", step.measured_s}, {"streams", nlohmann::json::array()}};
    if (step.cpu.server_s) step_json["server_cpu_s"] = *step.cpu.server_s;
    if (step.cpu.load_generator_s) step_json["load_generator_cpu_s"] = *step.cpu.load_generator_s;
    if (step.cpu.window_s > 0) step_json["cpu_window_s"] = step.cpu.window_s;
    for (const StreamResult& stream : step.streams) {
      nlohmann::json stream_json = {{"label", stream.spec.label},
                                    {"loop", stream.spec.open_loop ? "open" : "closed"},
                                    {"mix", stream.spec.mix.to_string()},
                                    {"rpcs", nlohmann::json::array()}};
      if (stream.spec.open_loop) {
        stream_json["intended_rate_per_s"] = stream.spec.rate_per_s;
        stream_json["poisson"] = stream.spec.poisson;
        stream_json["max_outstanding"] = stream.spec.max_outstanding;
        stream_json["pacing"] = {
            {"due", stream.pacing.due},
            {"sent", stream.pacing.sent},
            {"late", stream.pacing.late},
            {"dropped", stream.pacing.dropped},
            {"sent_per_s", static_cast<double>(stream.pacing.sent) / step.measured_s},
            {"send_delay_ms",
             {{"p50", ms(stream.pacing.send_delay.percentile_ns(50))},
              {"p99", ms(stream.pacing.send_delay.percentile_ns(99))},
              {"max", ms(stream.pacing.send_delay.max_ns())}}}};
      } else {
        stream_json["callers"] = stream.spec.callers;
      }
      for (std::size_t k = 0; k < kCallKinds; ++k) {
        const KindStats& stats = stream.kinds[k];
        if (stats.calls() == 0) continue;
        const LatencyHistogram& h = stats.ok_latency;
        nlohmann::json codes = nlohmann::json::object();
        for (const auto& [code, calls] : stats.codes) codes[code_name(code)] = calls;
        nlohmann::json latency = {
            {"p50", ms(h.percentile_ns(50))}, {"p90", ms(h.percentile_ns(90))},
            {"p99", ms(h.percentile_ns(99))}, {"p99_9", ms(h.percentile_ns(99.9))},
            {"max", ms(h.max_ns())},          {"mean", h.mean_ns() / 1e6}};
        stream_json["rpcs"].push_back(
            {{"rpc", call_name(static_cast<CallKind>(k))},
             {"calls", stats.calls()},
             {"ok", stats.ok()},
             {"dropped", stats.dropped()},
             {"ok_per_s", static_cast<double>(stats.ok()) / step.measured_s},
             {"ok_latency_ms", latency},
             {"codes", codes}});
      }
      step_json["streams"].push_back(std::move(stream_json));
    }
    doc["steps"].push_back(std::move(step_json));
  }
  return doc;
}

}  // namespace feedrank::load
