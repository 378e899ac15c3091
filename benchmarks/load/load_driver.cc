#include "benchmarks/load/load_driver.h"

#include <sys/prctl.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "benchmarks/load/process_cpu.h"
#include "feedrank/v1/feedrank.grpc.pb.h"

namespace feedrank::load {
namespace {

constexpr int kMaxMessageBytes = 64 << 20;
// How long the drain after the window may take beyond the call deadline (DriverOptions::drain).
constexpr auto kDrainSlack = std::chrono::seconds(5);

class ClientThread;

// A call in flight; its address is the CompletionQueue tag.
struct PendingCall {
  virtual ~PendingCall() = default;
  // After the call returned OK: what the response tells the next calls (feed cursors).
  virtual void on_ok(ClientThread&) {}

  grpc::ClientContext context;
  grpc::Status status;
  CallKind kind{};
  std::size_t stream = 0;
  CallTiming timing;
  bool measured = false;
};

template <class Response>
struct UnaryCall : PendingCall {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

struct FeedCall : UnaryCall<v1::GetFeedResponse> {
  void on_ok(ClientThread& thread) override;
  std::uint64_t viewer = 0;
};

// Per-stream state of one thread: its pacer (open loop) or callers (closed loop).
struct StreamState {
  const StreamSpec* spec = nullptr;
  std::unique_ptr<OpenLoopPacer> pacer;
  int callers = 0;  // this thread's share (closed loop)
  std::size_t outstanding = 0;
  StreamResult result;
};

class ClientThread {
 public:
  ClientThread(std::shared_ptr<grpc::Channel> channel, const RequestFactory& requests,
               const StepSpec& step, const DriverOptions& options, int index, int threads,
               Clock::time_point start)
      : stub_(v1::FeedRank::NewStub(std::move(channel))),
        requests_(requests),
        options_(options),
        random_(options.seed * 1'000'003 + static_cast<std::uint64_t>(index)),
        cursors_(options.follow_share),
        warm_end_(start + step.warmup),
        end_(warm_end_ + step.measure) {
    for (std::size_t s = 0; s < step.streams.size(); ++s) {
      const StreamSpec& spec = step.streams[s];
      StreamState state;
      state.spec = &spec;
      state.result.spec = spec;
      if (spec.open_loop) {
        PacerOptions pacer;
        pacer.rate_per_s = spec.rate_per_s / threads;
        pacer.poisson = spec.poisson;
        pacer.seed = options.seed * 7919 + s * 131 + static_cast<std::uint64_t>(index);
        // Thread i's calls fall between the others': together they send at even gaps.
        pacer.phase = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(index / spec.rate_per_s));
        pacer.late_after = options.late_after;
        pacer.max_outstanding = std::max<std::size_t>(1, spec.max_outstanding / threads);
        state.pacer = std::make_unique<OpenLoopPacer>(pacer, start);
      } else {
        state.callers = spec.callers / threads + (index < spec.callers % threads ? 1 : 0);
      }
      streams_.push_back(std::move(state));
    }
  }

  // Sends on one thread and takes completions on another, so that neither waits for the other:
  // gRPC's completion-queue waits end on whole milliseconds, and a sender that waited there
  // sent a call 0.7-1.2 ms after its intended time at the median (benchmarks/RESULTS.md), which
  // the latencies, counted from that time, then carried.
  void run() {
    bool pacing = false;
    {
      std::lock_guard lock(mutex_);
      for (StreamState& stream : streams_) {
        pacing = pacing || stream.pacer != nullptr;
        for (int c = 0; c < stream.callers; ++c) send(stream, Clock::time_point{});
      }
    }
    pacing_done_ = !pacing;
    {
      std::jthread sender;
      if (pacing) sender = std::jthread([this] { pace(); });
      receive();
    }
    for (StreamState& stream : streams_) {
      if (stream.pacer) stream.result.pacing = stream.pacer->counts();
    }
    drain();
  }

  std::vector<StreamResult> results() const {
    std::vector<StreamResult> out;
    for (const StreamState& stream : streams_) out.push_back(stream.result);
    return out;
  }

  void page_served(bool algorithmic, std::uint64_t viewer, std::string next_cursor) {
    cursors_.page_served(algorithmic, viewer, std::move(next_cursor),
                         std::uniform_real_distribution<double>(0, 1)(random_));
  }

 private:
  // The open-loop streams' calls, each sent when due: a sleep on the system's high-resolution
  // timers, to within tens of microseconds of the intended time on an idle core.
  void pace() {
    prctl(PR_SET_TIMERSLACK, 1UL);  // the default lets a sleep run 50 us long
    bool measuring = false;
    for (;;) {
      const Clock::time_point now = Clock::now();
      // Sends the stream's calls due by `to`; each one's send delay runs to its own StartCall,
      // after the lock and the batch's earlier calls.
      const auto release = [&](StreamState& stream, Clock::time_point to) {
        stream.pacer->release_due(
            to, stream.outstanding,
            [&](Clock::time_point intended) { return send(stream, intended); },
            [&](Clock::time_point intended) { count_dropped(stream, intended); });
      };
      Clock::time_point wake = end_;
      {
        std::lock_guard lock(mutex_);
        if (!measuring && now >= warm_end_) {
          measuring = true;
          // The calls due in the warm-up go out uncounted first: counts and timings both take
          // a call by the time it was due.
          for (StreamState& stream : streams_) {
            if (!stream.pacer) continue;
            release(stream, warm_end_ - Clock::duration(1));
            stream.pacer->reset_counts();
          }
        }
        for (StreamState& stream : streams_) {
          if (!stream.pacer) continue;
          // A turn that ends past the window (a long batch, a late wake) still releases the
          // calls due before its end: dropping them would hide the slowest, latest calls.
          release(stream, std::min(now, end_ - Clock::duration(1)));
          wake = std::min(wake, stream.pacer->next_due());
        }
      }
      if (now >= end_) break;
      std::this_thread::sleep_until(wake);
    }
    pacing_done_ = true;
  }

  // Takes completions until the window is over and every call is back, or the drain times out.
  void receive() {
    for (;;) {
      void* tag = nullptr;
      bool ok = false;
      const auto event = queue_.AsyncNext(
          &tag, &ok, std::chrono::system_clock::now() + std::chrono::milliseconds(100));
      if (event == grpc::CompletionQueue::GOT_EVENT) finish(static_cast<PendingCall*>(tag));
      const Clock::time_point now = Clock::now();
      if (now < end_) continue;
      std::lock_guard lock(mutex_);
      if (pacing_done_ && outstanding() == 0) return;
      if (now > end_ + options_.drain.value_or(options_.call_deadline + kDrainSlack)) return;
    }
  }

  // Cancels what receive() gave up on, then takes every completion left, the cancelled calls'
  // too, so that no call leaves the counts uncounted.
  void drain() {
    {
      std::lock_guard lock(mutex_);
      for (PendingCall* call : in_flight_) call->context.TryCancel();
    }
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) finish(static_cast<PendingCall*>(tag));
  }

  std::size_t outstanding() const {
    std::size_t total = 0;
    for (const StreamState& stream : streams_) total += stream.outstanding;
    return total;
  }

  template <class Call, class Request, class Prepare>
  PendingCall* start(std::unique_ptr<Call> call, const Request& request, Prepare prepare) {
    call->reader = (stub_.get()->*prepare)(&call->context, request, &queue_);
    call->reader->StartCall();
    call->timing.sent = Clock::now();
    call->reader->Finish(&call->response, &call->status, call.get());
    return call.release();
  }

  // Starts a call of a kind the stream's mix picks, and returns when it went out (right after
  // StartCall): a closed-loop call's latency runs from there, so that the lock wait and the
  // building of its request, the generator's own time, stay out of it.
  Clock::time_point send(StreamState& stream, Clock::time_point intended) {
    const CallKind kind = pick_kind(stream);
    const auto deadline = std::chrono::system_clock::now() + options_.call_deadline;
    PendingCall* call = nullptr;
    auto prepare = [&](auto owned) {
      owned->kind = kind;
      owned->stream = static_cast<std::size_t>(&stream - streams_.data());
      owned->timing.intended = intended;
      owned->context.set_deadline(deadline);
      return owned;
    };
    switch (kind) {
      case CallKind::kChronologicalFeed:
      case CallKind::kAlgorithmicFeed: {
        const auto request = requests_.feed(kind == CallKind::kAlgorithmicFeed, cursors_, random_);
        auto owned = prepare(std::make_unique<FeedCall>());
        owned->viewer = request.user_id();
        call = start(std::move(owned), request, &v1::FeedRank::Stub::PrepareAsyncGetFeed);
        break;
      }
      case CallKind::kNearestPosts:
        call = start(prepare(std::make_unique<UnaryCall<v1::GetNearestPostsResponse>>()),
                     requests_.nearest(random_), &v1::FeedRank::Stub::PrepareAsyncGetNearestPosts);
        break;
      case CallKind::kCreatePosts:
        call = start(prepare(std::make_unique<UnaryCall<v1::CreatePostsResponse>>()),
                     requests_.create_posts(random_), &v1::FeedRank::Stub::PrepareAsyncCreatePosts);
        break;
      case CallKind::kRecordEngagements:
        call = start(prepare(std::make_unique<UnaryCall<v1::RecordEngagementsResponse>>()),
                     requests_.record_engagements(random_),
                     &v1::FeedRank::Stub::PrepareAsyncRecordEngagements);
        break;
    }
    // An open-loop call belongs to the window it was due in, even when sent late.
    call->measured = in_window(intended == Clock::time_point{} ? call->timing.sent : intended);
    in_flight_.insert(call);
    ++stream.outstanding;
    return call->timing.sent;
  }

  // A due call dropped at the outstanding cap draws its kind as a sent one would: each RPC's row
  // then shows its share of the drops, which would otherwise vanish from every row.
  void count_dropped(StreamState& stream, Clock::time_point intended) {
    const CallKind kind = pick_kind(stream);
    if (in_window(intended)) {
      ++stream.result.kinds[static_cast<std::size_t>(kind)].codes[kDroppedCode];
    }
  }

  CallKind pick_kind(const StreamState& stream) {
    return stream.spec->mix.pick(std::uniform_real_distribution<double>(0, 1)(random_));
  }

  bool in_window(Clock::time_point t) const { return t >= warm_end_ && t < end_; }

  void finish(PendingCall* raw) {
    std::unique_ptr<PendingCall> call(raw);
    const Clock::time_point done = Clock::now();
    std::lock_guard lock(mutex_);
    in_flight_.erase(raw);
    StreamState& stream = streams_[call->stream];
    --stream.outstanding;
    if (call->status.ok()) call->on_ok(*this);
    if (call->measured) {
      KindStats& stats = stream.result.kinds[static_cast<std::size_t>(call->kind)];
      ++stats.codes[static_cast<int>(call->status.error_code())];
      if (call->status.ok()) stats.ok_latency.record(latency_ns(call->timing, done));
    }
    if (!stream.pacer && done < end_) send(stream, Clock::time_point{});
  }

  std::unique_ptr<v1::FeedRank::Stub> stub_;
  const RequestFactory& requests_;
  DriverOptions options_;
  std::mt19937_64 random_;
  CursorWalker cursors_;
  grpc::CompletionQueue queue_;
  Clock::time_point warm_end_;
  Clock::time_point end_;
  std::mutex mutex_;  // the streams, the cursors, the random numbers, in_flight_: both threads send
  std::vector<StreamState> streams_;
  std::unordered_set<PendingCall*> in_flight_;
  std::atomic<bool> pacing_done_{false};
};

void FeedCall::on_ok(ClientThread& thread) {
  thread.page_served(kind == CallKind::kAlgorithmicFeed, viewer,
                     std::move(*response.mutable_next_cursor()));
}

// CPU seconds the server and this process use from the end of the warm-up to the end of the
// measuring window (sleeps meanwhile).
StepCpu cpu_in_window(Clock::time_point start, const StepSpec& step, int server_pid) {
  const auto server = [server_pid]() -> std::optional<double> {
    return server_pid > 0 ? process_cpu_seconds(server_pid) : std::nullopt;
  };
  std::this_thread::sleep_until(start + step.warmup);
  const Clock::time_point opened = Clock::now();
  const std::optional<double> server_before = server();
  const std::optional<double> self_before = process_cpu_seconds(0);
  std::this_thread::sleep_until(start + step.warmup + step.measure);
  const Clock::time_point closed = Clock::now();
  const std::optional<double> server_after = server();
  const std::optional<double> self_after = process_cpu_seconds(0);
  StepCpu cpu;
  cpu.window_s = std::chrono::duration<double>(closed - opened).count();
  if (server_before && server_after) cpu.server_s = *server_after - *server_before;
  if (self_before && self_after) cpu.load_generator_s = *self_after - *self_before;
  return cpu;
}

}  // namespace

std::vector<std::shared_ptr<grpc::Channel>> open_load_channels(const std::string& target,
                                                               int threads) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < threads; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

StepResult run_step(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                    const RequestFactory& requests, const StepSpec& step,
                    const DriverOptions& options) {
  const int threads = static_cast<int>(channels.size());
  const Clock::time_point start = Clock::now();
  std::vector<std::unique_ptr<ClientThread>> clients;
  for (int i = 0; i < threads; ++i) {
    clients.push_back(std::make_unique<ClientThread>(channels[static_cast<std::size_t>(i)],
                                                     requests, step, options, i, threads, start));
  }
  StepResult result;
  {
    std::vector<std::jthread> running;
    for (auto& client : clients) running.emplace_back([&client] { client->run(); });
    running.emplace_back([&] { result.cpu = cpu_in_window(start, step, options.server_pid); });
  }
  result.name = step.name;
  result.measured_s = std::chrono::duration<double>(step.measure).count();
  for (std::size_t s = 0; s < step.streams.size(); ++s) {
    StreamResult merged;
    merged.spec = step.streams[s];
    for (auto& client : clients) merged.merge(client->results()[s]);
    result.streams.push_back(std::move(merged));
  }
  return result;
}

}  // namespace feedrank::load
