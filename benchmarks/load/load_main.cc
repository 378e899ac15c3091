// feedrank-load: a gRPC load generator for feedrank-server. Starts the server itself on
// loopback over a generated corpus (or targets a running one with --server), then runs steps of
// open-loop rates (--rate 5000,10000,20000: calls at fixed intended times, latency counted from
// them) or closed-loop callers (--callers 8,32), each with a warm-up, a mix of calls (--mix) and
// an optional background write stream (--write-rate), and prints QPS and p50/p90/p99/p99.9 per
// RPC and stream as a table (and JSON with --json FILE). See benchmarks/RESULTS.md.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "benchmarks/load/load_driver.h"
#include "benchmarks/load/load_report.h"
#include "benchmarks/load/server_launcher.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/chrono.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::load {
namespace {

struct Flags {
  std::string server;
  std::string server_binary = FEEDRANK_SERVER_BIN;
  std::string data_dir;
  std::string server_args;
  datasets::SyntheticCorpusOptions corpus{.users = 10'000, .posts = 100'000, .seed = 1};
  StepFlags steps;
  std::string viewers = "uniform";
  RequestShape shape;
  int threads = 1;
  DriverOptions driver;
  int deadline_ms = 10'000;
  int late_ms = 2;
  std::int64_t as_of_ms = 0;
  std::string json_out;
  std::string grpc_body_out;
};

std::vector<std::string> split_words(const std::string& text) {
  return absl::StrSplit(text, ' ', absl::SkipWhitespace());
}

// The body h2load sends: gRPC's length-prefixed message (1 byte "not compressed", 4 bytes
// big-endian length) of one chronological GetFeed request.
int write_grpc_body(const Flags& flags) {
  auto picker = ViewerPicker::parse(flags.viewers, 1);
  if (!picker.ok() || !flags.viewers.starts_with("fixed:")) {
    std::cerr << "error: --grpc-body-out needs --viewers fixed:USER_ID\n";
    return 2;
  }
  std::mt19937_64 random(1);
  v1::GetFeedRequest request;
  request.set_user_id(picker->pick(random));
  request.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
  request.set_limit(flags.shape.feed_limit);
  if (flags.as_of_ms != 0) request.set_as_of_ms(flags.as_of_ms);
  const std::string message = request.SerializeAsString();
  std::string frame(5, '\0');
  const auto size = static_cast<std::uint32_t>(message.size());
  for (int i = 0; i < 4; ++i)
    frame[static_cast<std::size_t>(1 + i)] = static_cast<char>(size >> (24 - 8 * i));
  frame += message;
  std::ofstream out(flags.grpc_body_out, std::ios::binary | std::ios::trunc);
  out << frame;
  if (!out.flush()) {
    std::cerr << "error: --grpc-body-out: cannot write " << flags.grpc_body_out << "\n";
    return 1;
  }
  std::cerr << fmt::format("wrote {} bytes: GetFeed user {} limit {} as_of_ms {}\n", frame.size(),
                           request.user_id(), request.limit(), request.as_of_ms());
  return 0;
}

std::string machine_summary() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  double load[3] = {};
  getloadavg(load, 3);
  return fmt::format("{}, {} hardware threads, load average {:.2f} {:.2f} {:.2f} at start", host,
                     std::thread::hardware_concurrency(), load[0], load[1], load[2]);
}

int run(const Flags& flags, const std::string& command_line) {
  if (!flags.grpc_body_out.empty()) return write_grpc_body(flags);
  auto steps = plan_steps(flags.steps);
  if (!steps.ok()) {
    std::cerr << "error: " << steps.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<LaunchedServer> launched;
  std::string address = flags.server;
  RequestShape shape = flags.shape;
  std::int64_t clock_base = flags.as_of_ms;
  nlohmann::json setup = {{"command", command_line}, {"machine", machine_summary()}};
  if (address.empty()) {
    LaunchOptions launch;
    launch.server_binary = flags.server_binary;
    launch.work_dir = flags.data_dir;
    launch.corpus = flags.corpus;
    launch.server_args = split_words(flags.server_args);
    auto started = LaunchedServer::start(launch);
    if (!started.ok()) {
      std::cerr << "error: " << started.status().message() << "\n";
      return 1;
    }
    launched = std::move(*started);
    address = launched->address();
    const CorpusInfo& corpus = launched->corpus();
    shape.users = corpus.counts.users;
    shape.posts = corpus.counts.posts;
    if (clock_base == 0) {
      clock_base = next_run_clock_ms(corpus);
      std::cerr << fmt::format("load clock starts at {} ms ({})\n", clock_base,
                               clock_base == corpus.last_record_ms
                                   ? "the corpus's last record"
                                   : "past where an earlier run's stopped");
    }
    setup["server"] = {{"address", address},
                       {"launched", true},
                       {"args", flags.server_args},
                       {"log", launched->stderr_path().string()}};
    setup["corpus"] = {
        {"users", corpus.counts.users},       {"follows", corpus.counts.follows},
        {"posts", corpus.counts.posts},       {"engagements", corpus.counts.engagements},
        {"seed", flags.corpus.seed},          {"loaded_now", corpus.loaded_now},
        {"load_seconds", corpus.load_seconds}};
    std::cerr << fmt::format(
        "server {} (pid {}): {} users, {} follows, {} posts, {} engagements ({} in {:.0f} s)\n",
        address, launched->pid(), corpus.counts.users, corpus.counts.follows, corpus.counts.posts,
        corpus.counts.engagements, corpus.loaded_now ? "loaded" : "reused, loaded earlier",
        corpus.load_seconds);
  } else {
    // A running server: its counts bound the ids (override with --users/--posts); its count of
    // posts includes those earlier runs created, so the corpus's last post is probed for.
    auto stub = v1::FeedRank::NewStub(cli::open_channel(address));
    grpc::ClientContext context;
    cli::set_deadline(context, cli::kUnaryDeadline);
    v1::GetStatsResponse stats;
    const grpc::Status status = stub->GetStats(&context, v1::GetStatsRequest{}, &stats);
    if (!status.ok()) return cli::report_rpc_error(status);
    if (shape.users == 0) shape.users = stats.users();
    if (shape.posts == 0) {
      absl::StatusOr<std::uint64_t> posts =
          highest_corpus_post_id(stats.posts(), [&](std::uint64_t id) -> absl::StatusOr<bool> {
            grpc::ClientContext probe;
            cli::set_deadline(probe, cli::kUnaryDeadline);
            v1::GetPostRequest request;
            request.set_post_id(id);
            v1::GetPostResponse response;
            const grpc::Status found = stub->GetPost(&probe, request, &response);
            if (found.error_code() == grpc::StatusCode::NOT_FOUND) return false;
            if (!found.ok()) return absl::UnavailableError("GetPost: " + found.error_message());
            return true;
          });
      if (!posts.ok()) {
        std::cerr << "error: finding the corpus's posts: " << posts.status().message() << "\n";
        return 1;
      }
      shape.posts = *posts;
    }
    setup["server"] = {{"address", address}, {"launched", false}};
    setup["corpus"] = {{"users", stats.users()}, {"posts", stats.posts()},
                       {"engaged_post_ids", shape.posts}};
  }
  auto viewers = ViewerPicker::parse(flags.viewers, shape.users);
  if (!viewers.ok()) {
    std::cerr << "error: " << viewers.status().message() << "\n";
    return 2;
  }
  if (absl::Status posts = check_posts(*steps, shape.posts); !posts.ok()) {
    std::cerr << "error: " << posts.message() << "\n";
    return 2;
  }
  LoadClock clock(clock_base);
  std::atomic<std::uint64_t> next_post_id = first_created_post_id();
  RequestFactory requests(shape, *viewers, clock, next_post_id);
  DriverOptions driver = flags.driver;
  driver.call_deadline = std::chrono::milliseconds(flags.deadline_ms);
  driver.late_after = std::chrono::milliseconds(flags.late_ms);
  setup["viewers"] = std::string(viewers->description());
  setup["feed_limit"] = shape.feed_limit;
  setup["follow_cursor"] = driver.follow_share;
  setup["client_threads"] = flags.threads;
  setup["clock_base_ms"] = clock_base;
  setup["write_batch"] = shape.write_batch;
  setup["started_utc"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));

  if (launched) driver.server_pid = launched->pid();
  const auto channels = open_load_channels(address, flags.threads);
  std::vector<StepResult> results;
  for (const StepSpec& step : *steps) {
    std::cerr << fmt::format("step {}: {:g} s warm-up, {:g} s measured\n", step.name,
                             flags.steps.warmup_s, flags.steps.duration_s);
    results.push_back(run_step(channels, requests, step, driver));
    print_table({results.back()}, std::cerr);
  }
  std::cout << fmt::format(
      "\nfeedrank-load: {}\nviewers: {}; page limit {}; follow-cursor {}; "
      "client threads {}\n\n",
      address, viewers->description(), shape.feed_limit, driver.follow_share, flags.threads);
  print_table(results, std::cout);
  if (launched) {
    if (auto kept = launched->record_clock_stopped(clock.now_ms()); !kept.ok()) {
      std::cerr << "warning: where this run's clock stopped is not kept: " << kept.message()
                << "\n";
    }
    const std::string exit = launched->stop();
    std::cout << "\nserver after the run: stopped by SIGTERM, " << exit << "\n";
    setup["server"]["exit_after_sigterm"] = exit;
  }
  if (!flags.json_out.empty()) {
    std::ofstream out(flags.json_out, std::ios::trunc);
    out << to_json(results, setup).dump(2) << "\n";
    if (!out.flush()) {
      std::cerr << "error: --json: cannot write " << flags.json_out << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace feedrank::load

int main(int argc, char** argv) {
  using namespace feedrank::load;
  Flags flags;
  CLI::App app{"feedrank-load: open- and closed-loop gRPC load on feedrank-server"};
  CLI::Option* running = app.add_option(
      "--server", flags.server, "HOST:PORT of a running server (default: start one on 127.0.0.1:0)");
  // What only a server this program starts uses: refused beside --server, not ignored.
  app.add_option("--server-binary", flags.server_binary, "feedrank-server to start")
      ->capture_default_str()
      ->excludes(running);
  app.add_option("--data-dir", flags.data_dir,
                 "work directory kept between runs (server store + corpus marker); default: a "
                 "temporary one")
      ->excludes(running);
  app.add_option("--server-args", flags.server_args,
                 "extra feedrank-server flags, space-separated (e.g. '--impression-log off')")
      ->excludes(running);
  app.add_option("--users", flags.corpus.users, "corpus users (with --server: viewer ids 1..N)")
      ->capture_default_str();
  app.add_option("--posts", flags.corpus.posts, "corpus posts")->capture_default_str();
  app.add_option("--seed", flags.corpus.seed, "corpus seed")
      ->capture_default_str()
      ->excludes(running);
  app.add_option("--loop", flags.steps.loop, "open (a rate) or closed (callers)")
      ->check(CLI::IsMember({"open", "closed"}))
      ->capture_default_str();
  app.add_option("--rate", flags.steps.rates, "open loop: calls/s, one step per value")
      ->delimiter(',')
      ->default_str(fmt::format("{:g}", kDefaultRate));
  app.add_option("--callers", flags.steps.callers, "closed loop: callers, one step per value")
      ->delimiter(',')
      ->default_str(std::to_string(kDefaultCallers));
  app.add_flag("--poisson", flags.steps.poisson, "exponential gaps instead of fixed ones");
  app.add_option("--max-outstanding", flags.steps.max_outstanding,
                 "open loop: calls in flight per stream before due calls are dropped")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--mix", flags.steps.mix,
                 "shares: chrono, algo, nearest, posts, engagements, writes")
      ->capture_default_str();
  // --write-rate, --warmup and --duration are checked with the steps (plan_steps): NaN too.
  app.add_option("--write-rate", flags.steps.write_rate, "background write calls/s (0: none)")
      ->capture_default_str();
  app.add_option("--write-mix", flags.steps.write_mix,
                 "shares of the write stream: posts, engagements")
      ->capture_default_str();
  app.add_option("--viewers", flags.viewers, "uniform | zipf:S | fixed:USER_ID")
      ->capture_default_str();
  app.add_option("--follow-cursor", flags.driver.follow_share,
                 "share of feed pages whose next page the viewer asks for")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--limit", flags.shape.feed_limit, "feed page size")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  app.add_option("--k", flags.shape.nearest_k, "GetNearestPosts k")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--nearest-vector-dim", flags.shape.nearest_vector_dimension,
                 "GetNearestPosts for random unit vectors of this dimension (the server's "
                 "embedding dimension) instead of viewers; 0: viewers")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--write-batch", flags.shape.write_batch, "posts or engagements per write call")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--warmup", flags.steps.warmup_s, "seconds per step not measured")
      ->capture_default_str();
  app.add_option("--duration", flags.steps.duration_s, "seconds measured per step")
      ->capture_default_str();
  app.add_option("--threads", flags.threads, "client threads, each with its own connection")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--deadline-ms", flags.deadline_ms, "each call's deadline")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--late-ms", flags.late_ms, "open loop: a call sent later than this is late")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--as-of-ms", flags.as_of_ms,
                 "time the load clock starts at (default: the launched corpus's last record, or "
                 "past where the work directory's previous run stopped its clock; with --server, "
                 "0 = the server's now)");
  app.add_option("--json", flags.json_out, "also write the results as JSON to FILE");
  app.add_option("--grpc-body-out", flags.grpc_body_out,
                 "write one framed GetFeed request (for h2load -d) and exit");
  CLI11_PARSE(app, argc, argv);
  // The open loop's settings, given to a run without one (closed, no write stream), would be
  // ignored: refused instead.
  if (flags.steps.loop == "closed" && !(flags.steps.write_rate > 0)) {
    for (const char* open_only : {"--poisson", "--max-outstanding", "--late-ms"}) {
      if (app.count(open_only) > 0) {
        std::cerr << "error: " << open_only
                  << ": open loop only (--loop open, or the --write-rate stream)\n";
        return 2;
      }
    }
  }
  // Debian builds Abseil with its mutex deadlock detection on, which records every lock gRPC
  // takes in a graph: a few percent of the client's CPU, taken from the server on a shared box.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Against a running server the ids come from its counts unless given.
  if (!flags.server.empty()) {
    if (app.count("--users") > 0) flags.shape.users = flags.corpus.users;
    if (app.count("--posts") > 0) flags.shape.posts = flags.corpus.posts;
  }
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  return run(flags, command_line);
}
