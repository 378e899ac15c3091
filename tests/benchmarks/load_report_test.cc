// The table and JSON of a run's results: calls dropped at the outstanding cap in their RPC's
// row, and the server's CPU per call.
#include "benchmarks/load/load_report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace feedrank::load {
namespace {

std::string table(const StepResult& step) {
  std::ostringstream out;
  print_table({step}, out);
  return out.str();
}

StepResult open_step() {
  StepResult step;
  step.name = "open 100/s";
  step.measured_s = 1;
  StreamResult stream;
  stream.spec.label = "open 100/s";
  stream.spec.rate_per_s = 100;
  step.streams.push_back(stream);
  return step;
}

KindStats& kind(StepResult& step, CallKind kind) {
  return step.streams.at(0).kinds[static_cast<std::size_t>(kind)];
}

// A saturated stream: 70 of 100 chronological feeds and every nearest-posts call dropped.
TEST(LoadReport, DroppedCallsShowInTheirRpcsRowMarked) {
  StepResult step = open_step();
  KindStats& feed = kind(step, CallKind::kChronologicalFeed);
  feed.codes = {{0, 30}, {kDroppedCode, 70}};
  for (int i = 0; i < 30; ++i) feed.ok_latency.record(1'000'000);
  kind(step, CallKind::kNearestPosts).codes = {{kDroppedCode, 5}};

  const std::string text = table(step);
  EXPECT_NE(text.find("| GetFeed chronological * | 100 | 30 |"), std::string::npos) << text;
  EXPECT_NE(text.find("| DROPPED (client) 70 (70.0%) |"), std::string::npos) << text;
  EXPECT_NE(text.find("| GetNearestPosts * | 5 | 0 |"), std::string::npos) << text;
  EXPECT_NE(text.find("| DROPPED (client) 5 (100.0%) |"), std::string::npos) << text;
  EXPECT_NE(text.find("- * calls dropped at the outstanding cap"), std::string::npos) << text;

  const nlohmann::json rpcs = to_json({step}, {})["steps"][0]["streams"][0]["rpcs"];
  ASSERT_EQ(rpcs.size(), 2u);
  EXPECT_EQ(rpcs[0]["rpc"], "GetFeed chronological");
  EXPECT_EQ(rpcs[0]["calls"], 100);
  EXPECT_EQ(rpcs[0]["ok"], 30);
  EXPECT_EQ(rpcs[0]["dropped"], 70);
  EXPECT_EQ(rpcs[0]["codes"], (nlohmann::json{{"OK", 30}, {"DROPPED (client)", 70}}));
  EXPECT_EQ(rpcs[1]["codes"], (nlohmann::json{{"DROPPED (client)", 5}}));
}

TEST(LoadReport, RowsWithoutDropsAreNotMarked) {
  StepResult step = open_step();
  kind(step, CallKind::kChronologicalFeed).codes = {{0, 10}};
  const std::string text = table(step);
  EXPECT_NE(text.find("| GetFeed chronological | 10 |"), std::string::npos) << text;
  EXPECT_EQ(text.find("dropped at the outstanding cap,"), std::string::npos) << text;
  EXPECT_EQ(to_json({step}, {})["steps"][0]["streams"][0]["rpcs"][0]["dropped"], 0);
}

// The server's cores (CPU over the window as sampled) over the calls per second (calls over the
// nominal window): a sampled window twice the nominal one halves the CPU per second, not the
// calls. Calls never sent cost the server nothing.
TEST(LoadReport, ServerCpuPerCallTakesEachOverItsOwnWindow) {
  StepResult step = open_step();
  kind(step, CallKind::kChronologicalFeed).codes = {{0, 1000}};
  step.cpu = {.server_s = 2.0, .load_generator_s = 0.5, .window_s = 2.0};
  EXPECT_NE(table(step).find("server 1.00 cores (1.000 ms a call), load generator 0.25 cores"),
            std::string::npos)
      << table(step);
  kind(step, CallKind::kNearestPosts).codes = {{kDroppedCode, 1000}};
  EXPECT_NE(table(step).find("(1.000 ms a call)"), std::string::npos) << table(step);
}

}  // namespace
}  // namespace feedrank::load
