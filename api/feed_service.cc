#include "api/feed_service.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <string_view>
#include <thread>

#include "api/feed_conversion.h"
#include "api/field_checks.h"
#include "api/lookup_conversion.h"
#include "api/report_conversion.h"
#include "api/serving/raw_message.h"
#include "api/write_conversion.h"
#include "common/resident_memory.h"
#include "fmt/format.h"
#include "ranker/wall_clock.h"
#include "spdlog/spdlog.h"

namespace feedrank::api {
namespace {

// absl and gRPC share the canonical code numbers. (The call gate logs server faults.)
grpc::Status to_grpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// How often a Train or Reembed call that waits looks at the job's progress.
constexpr std::chrono::milliseconds kJobPoll{20};
// The phase of a training that ended with an error (ranker::TrainingProgress::phase).
constexpr std::string_view kFailedPhase = "failed: ";

std::uint32_t u32(std::uint64_t value) { return static_cast<std::uint32_t>(value); }

// The call's deadline (system clock; far future when none) on the steady clock the engine uses.
std::chrono::steady_clock::time_point steady_deadline(std::chrono::system_clock::time_point at) {
  const auto left = at - std::chrono::system_clock::now();
  if (left > std::chrono::hours(24 * 365)) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
}

// A raw callback call's messages (serving/raw_message.h), kept until its body has run, which may
// be later, on the workers.
template <class Request, class Response>
struct Messages {
  Request request;
  Response response;
};

// The call's messages with its request parsed from `bytes`; null when they do not parse.
template <class Request, class Response>
std::shared_ptr<Messages<Request, Response>> parsed(const grpc::ByteBuffer& bytes) {
  auto messages = std::make_shared<Messages<Request, Response>>();
  grpc::ByteBuffer copy(bytes);  // shares the slices; the parse consumes it
  if (!serving::parse_message(copy, messages->request)) return nullptr;
  return messages;
}

// The call's status; when OK, the response written into the call's bytes as well.
template <class Response>
grpc::Status answered(const grpc::Status& status, const Response& response,
                      grpc::ByteBuffer& bytes) {
  return status.ok() ? serving::write_message(response, bytes) : status;
}

}  // namespace

template <class Request>
grpc::ServerUnaryReactor* FeedService::refuse_unparsed(grpc::CallbackServerContext* context,
                                                       std::string_view method) {
  return serve_callback(context, method, /*on_workers=*/false, metrics::FeedModeLabel::kNone,
                        [](serving::ServedCall&) {
                          return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                              serving::unparsed<Request>("nothing was served"));
                        });
}

WriteRules FeedService::rules_now() const {
  WriteRules rules = rules_;
  rules.latest_time_ms = ranker::wall_clock_ms() + kClockSkewMs;
  return rules;
}

template <class Request>
absl::StatusOr<store::WriteSummary> FeedService::write(const Request& request,
                                                       std::string_view list_field) {
  auto ops = to_write_ops(request, rules_now());
  if (!ops.ok()) return ops.status();
  auto summary = engine_.write(std::move(*ops), list_item_namer(list_field));
  if (summary.ok()) gate_.metrics().record_write(*summary);
  return summary;
}

FeedService::FeedService(ranker::FeedEngine& engine, ranker::ExperimentFeeds& experiments,
                         WriteRules rules, serving::CallGate& gate)
    : engine_(engine),
      experiments_(experiments),
      rules_(rules),
      gate_(gate),
      workers_(static_cast<int>(std::clamp<std::int64_t>(
                   std::int64_t{gate.limit_of("GetFeed")} + gate.limit_of("GetNearestPosts"), 1,
                   kMaxWorkers)),
               kMaxQueuedCalls) {
  // Ingest reads its chunks as bytes and parses them itself. gRPC's parse of a chunk that does
  // not parse (a string field that is not UTF-8, which a C++ client can send) ends Read() as the
  // end of the stream does: the load ended with OK there and the chunks after it were dropped.
  // Served as a bidirectional stream that writes its one response at the end, which is what a
  // client-streaming call is on the wire.
  const google::protobuf::ServiceDescriptor* service =
      v1::IngestRequest::descriptor()->file()->FindServiceByName("FeedRank");
  const google::protobuf::MethodDescriptor* method =
      service != nullptr ? service->FindMethodByName("Ingest") : nullptr;
  if (method == nullptr) std::abort();  // the proto this file was compiled with has it
  const int ingest_index = method->index();
  MarkMethodStreamed(
      ingest_index,
      new grpc::internal::BidiStreamingHandler<FeedService, grpc::ByteBuffer, v1::IngestResponse>(
          [](FeedService* service, grpc::ServerContext* context,
             grpc::ServerReaderWriter<v1::IngestResponse, grpc::ByteBuffer>* stream) {
            return service->ingest(context, stream);
          },
          this));
}

template <class Body>
grpc::ServerUnaryReactor* FeedService::serve_callback(grpc::CallbackServerContext* context,
                                                      std::string_view method, bool on_workers,
                                                      metrics::FeedModeLabel mode, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<serving::ServedCall> call = gate_.admit(context, method);
  call->set_feed_mode(mode);  // a refused call counts under it too
  const auto serve = [this, reactor, call, body = std::move(body)] {
    reactor->Finish(gate_.run(*call, body));
  };
  if (!call->admitted() || !on_workers) {
    serve();
  } else if (!workers_.try_submit(serve)) {
    reactor->Finish(gate_.run(*call, [method](serving::ServedCall&) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          fmt::format("{}: every worker is busy and their queue is full; retry "
                                      "after a backoff",
                                      method));
    }));
  }
  return reactor;
}

grpc::ServerUnaryReactor* FeedService::GetFeed(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request_bytes,
                                               grpc::ByteBuffer* response_bytes) {
  auto messages = parsed<v1::GetFeedRequest, v1::GetFeedResponse>(*request_bytes);
  if (messages == nullptr) return refuse_unparsed<v1::GetFeedRequest>(context, "GetFeed");
  // A chronological page (a merge of timelines, a tenth of a millisecond) is served on gRPC's
  // own thread: handing it to another thread cost more than the page on two cores. A ranked
  // one runs on the workers, many at once as on gRPC's synchronous threads before, so that
  // concurrent rankings share one index scan (SearchBatcher); so does a page that waits for a
  // disk sync of its impressions, so that many pages share a sync and gRPC's few threads never
  // wait on the disk. An experiment's arm may still turn a chronological request into a ranked
  // one: it is then ranked on gRPC's thread, correctly, only without that sharing.
  const auto mode = to_feed_mode(messages->request.mode());  // an unknown one: see serve_feed
  const bool chronological = !mode.ok() || *mode == ranker::FeedMode::kChronological;
  return serve_callback(
      context, "GetFeed", !chronological || experiments_.syncs_each_page(),
      mode.ok() ? metrics::feed_mode_label(*mode) : metrics::FeedModeLabel::kNone,
      [this, context, messages, response_bytes](serving::ServedCall& call) {
        return answered(serve_feed(context, messages->request, messages->response, call),
                        messages->response, *response_bytes);
      });
}

grpc::Status FeedService::serve_feed(grpc::ServerContextBase* context,
                                     const v1::GetFeedRequest& request,
                                     v1::GetFeedResponse& response, serving::ServedCall& call) {
  auto feed_request = to_feed_request(request);
  if (!feed_request.ok()) return to_grpc(feed_request.status());
  feed_request->deadline = steady_deadline(context->deadline());
  for (const auto& [field, name] : {std::pair{"force_experiment", &request.force_experiment()},
                                    std::pair{"force_arm", &request.force_arm()}}) {
    if (name->empty()) continue;
    if (auto status = check_text(field, *name, ranker::kMaxExperimentNameLength, true);
        !status.ok()) {
      return to_grpc(status);
    }
  }
  const ranker::ForcedArm forced{request.force_experiment(), request.force_arm()};
  call.set_feed_mode(metrics::feed_mode_label(feed_request->mode));
  auto served = experiments_.serve(std::move(*feed_request), forced);
  if (!served.ok()) return to_grpc(served.status());
  call.set_feed_mode(metrics::feed_mode_label(served->mode));  // an experiment's arm may differ
  // A first page ranked a list; later ones read it from the cache.
  if (served->mode != ranker::FeedMode::kChronological && served->page.first_position == 0) {
    gate_.metrics().record_ranking(served->page.stats);
  }
  to_proto(std::move(*served), request.explain(), response);
  return grpc::Status::OK;
}

// A search runs on the workers, as ranked feeds do: a scan of the corpus (exact, flat, IVF, GPU)
// takes milliseconds, and concurrent exact scans share one pass (SearchBatcher). On gRPC's
// synchronous threads, exact scans of 1M rows took 25-28 ms at the server's p99 but 26-108 ms at
// the client's, at 5-30 calls/s and with 4 callers; on the workers, 20-40 ms. A graph walk (HNSW,
// a fraction of a millisecond) runs on gRPC's thread unless a long tail of rows waits for the
// background indexer: the handover cost it a fifth more CPU a call at 1,000 calls/s
// (benchmarks/RESULTS.md, eighteenth session).
grpc::ServerUnaryReactor* FeedService::GetNearestPosts(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request_bytes,
                                                       grpc::ByteBuffer* response_bytes) {
  auto messages =
      parsed<v1::GetNearestPostsRequest, v1::GetNearestPostsResponse>(*request_bytes);
  if (messages == nullptr) {
    return refuse_unparsed<v1::GetNearestPostsRequest>(context, "GetNearestPosts");
  }
  return serve_callback(context, "GetNearestPosts", !engine_.nearest_search_is_quick(),
                        metrics::FeedModeLabel::kNone,
                        [this, context, messages, response_bytes](serving::ServedCall&) {
                          return answered(
                              serve_nearest(context, messages->request, messages->response),
                              messages->response, *response_bytes);
                        });
}

grpc::Status FeedService::serve_nearest(grpc::ServerContextBase* context,
                                        const v1::GetNearestPostsRequest& request,
                                        v1::GetNearestPostsResponse& response) {
  auto nearest_request =
      to_nearest_request(request, rules_.embedding_dimension, ranker::wall_clock_ms());
  if (!nearest_request.ok()) return to_grpc(nearest_request.status());
  nearest_request->deadline = steady_deadline(context->deadline());
  auto posts = engine_.nearest_posts(*nearest_request);
  if (!posts.ok()) return to_grpc(posts.status());
  to_proto(*posts, response);
  response.set_backend(engine_.retrieval_backend());
  return grpc::Status::OK;
}

grpc::Status FeedService::UpsertUsers(grpc::ServerContext* context, const v1::UpsertUsersRequest* request,
                                      v1::UpsertUsersResponse* response) {
  return gate_.serve(context, "UpsertUsers", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "users");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_created(u32(summary->users_created));
    response->set_updated(u32(summary->users_updated));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::CreatePosts(grpc::ServerContext* context, const v1::CreatePostsRequest* request,
                                      v1::CreatePostsResponse* response) {
  return gate_.serve(context, "CreatePosts", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "posts");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_created(u32(summary->posts_created));
    response->set_already_existed(u32(summary->unchanged));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::DeletePosts(grpc::ServerContext* context, const v1::DeletePostsRequest* request,
                                      v1::DeletePostsResponse* response) {
  return gate_.serve(context, "DeletePosts", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "post_ids");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_deleted(u32(summary->posts_deleted));
    response->set_already_deleted(u32(summary->unchanged));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::Follow(grpc::ServerContext* context, const v1::FollowRequest* request,
                                 v1::FollowResponse* response) {
  return gate_.serve(context, "Follow", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "edges");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_created(u32(summary->follows_created));
    response->set_already_following(u32(summary->unchanged));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::Unfollow(grpc::ServerContext* context, const v1::UnfollowRequest* request,
                                   v1::UnfollowResponse* response) {
  return gate_.serve(context, "Unfollow", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "edges");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_removed(u32(summary->follows_removed));
    response->set_not_following(u32(summary->unchanged));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::RecordEngagements(grpc::ServerContext* context,
                                            const v1::RecordEngagementsRequest* request,
                                            v1::RecordEngagementsResponse* response) {
  return gate_.serve(context, "RecordEngagements", [&](serving::ServedCall&) -> grpc::Status {
    auto summary = write(*request, "engagements");
    if (!summary.ok()) return to_grpc(summary.status());
    response->set_recorded(u32(summary->engagements_recorded));
    response->set_duplicates(u32(summary->unchanged));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::ingest(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::IngestResponse, grpc::ByteBuffer>* stream) {
  return gate_.serve(context, "Ingest", [&](serving::ServedCall&) -> grpc::Status {
    v1::IngestRequest chunk;
    store::WriteSummary total;
    std::uint64_t chunks = 0;   // stored
    std::uint64_t records = 0;  // in the stored chunks
    // A chunk commits on the stream's committer thread while this one reads, converts and
    // prepares the next (validation, embedding): both cores stay busy on one stream. Chunks take
    // effect in order. One thread for the stream, not one a chunk (std::async).
    serving::WorkerPool committer(1, 1);
    std::future<absl::StatusOr<store::WriteSummary>> committing;
    int committing_records = 0;
    // An error names the chunk and says how far the load got, so the caller can resume.
    auto stopped = [&](const absl::Status& status) {
      return to_grpc(absl::Status(
          status.code(), fmt::format("chunk {}: {} ({} earlier chunks with {} records are stored)",
                                     chunks, std::string(status.message()), chunks, records)));
    };
    // Waits for the chunk before (if any) to commit.
    auto settle = [&]() -> absl::Status {
      if (!committing.valid()) return absl::OkStatus();
      absl::StatusOr<store::WriteSummary> summary = committing.get();
      if (!summary.ok()) return summary.status();
      gate_.metrics().record_write(*summary);
      total += *summary;
      ++chunks;
      records += static_cast<std::uint64_t>(committing_records);
      return absl::OkStatus();
    };
    grpc::ByteBuffer bytes;
    while (stream->Read(&bytes)) {
      if (!serving::parse_message(bytes, chunk)) {
        if (absl::Status status = settle(); !status.ok()) return stopped(status);
        return stopped(absl::InvalidArgumentError(
            serving::unparsed<v1::IngestRequest>("nothing of it was written")));
      }
      auto ops = to_write_ops(chunk, rules_now());  // a long load's clock moves on
      auto prepared = ops.ok() ? engine_.prepare_write(*ops, ingest_item_namer(chunk))
                               : absl::StatusOr<store::FeedStore::PreparedWrite>(ops.status());
      // A failure of the chunk before wins: this one was validated on top of it (and is dropped).
      if (absl::Status status = settle(); !status.ok()) return stopped(status);
      if (!prepared.ok()) return stopped(prepared.status());
      committing_records = chunk.records_size();
      auto commit = std::make_shared<std::packaged_task<absl::StatusOr<store::WriteSummary>()>>(
          [this, write = std::move(*prepared)]() mutable {
            return engine_.commit_write(std::move(write));
          });
      committing = commit->get_future();
      // Always room: the chunk before has settled, so the queue is empty.
      if (!committer.try_submit([commit] { (*commit)(); })) std::abort();
    }
    if (absl::Status status = settle(); !status.ok()) return stopped(status);
    // The reads also end when the call is cancelled or its deadline passes: not a finished load,
    // though the chunks read before are stored.
    if (context->IsCancelled()) {
      const bool late = context->deadline() <= std::chrono::system_clock::now();
      return stopped(late ? absl::DeadlineExceededError("the call's deadline passed mid-stream")
                          : absl::CancelledError("the client cancelled the stream"));
    }
    v1::IngestResponse response;
    to_proto(total, response);
    response.set_chunks(chunks);
    stream->Write(response);  // false when the client is gone: it sees no answer either way
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::GetUser(grpc::ServerContext* context, const v1::GetUserRequest* request,
                                  v1::GetUserResponse* response) {
  return gate_.serve(context, "GetUser", [&](serving::ServedCall&) -> grpc::Status {
    const bool by_id = request->user_id() != 0;
    if (by_id == !request->handle().empty()) {
      return to_grpc(invalid("user_id", "set exactly one of user_id and handle"));
    }
    // No handle is longer: refused here, a long one would be quoted whole in NOT_FOUND's message
    // (past gRPC's metadata limit, the client would see RESOURCE_EXHAUSTED instead).
    if (!by_id) {
      if (auto status = check_text("handle", request->handle(), kMaxHandleBytes, true);
          !status.ok()) {
        return to_grpc(status);
      }
    }
    auto profile = by_id ? engine_.user(request->user_id())
                         : engine_.user_by_handle(request->handle());
    if (!profile.ok()) return to_grpc(profile.status());
    to_proto(*profile, *response);
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::GetPost(grpc::ServerContext* context, const v1::GetPostRequest* request,
                                  v1::GetPostResponse* response) {
  return gate_.serve(context, "GetPost", [&](serving::ServedCall&) -> grpc::Status {
    if (auto status = check_id("post_id", request->post_id()); !status.ok()) {
      return to_grpc(status);
    }
    auto details = engine_.post(request->post_id(), request->viewer_id());
    if (!details.ok()) return to_grpc(details.status());
    to_proto(*details, *response);
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::GetStats(grpc::ServerContext* context,
                                   const v1::GetStatsRequest* request,
                                   v1::GetStatsResponse* response) {
  return gate_.serve(context, "GetStats", [&](serving::ServedCall&) -> grpc::Status {
    to_proto(engine_.counts(), *response);
    response->set_impressions(experiments_.impressions());
    for (std::string& id : experiments_.experiment_ids()) response->add_experiments(std::move(id));
    if (request->memory()) {
      for (const store::MemoryPart& part : engine_.memory_breakdown()) {
        v1::MemoryPart& out = *response->add_memory();
        out.set_part(part.name);
        out.set_bytes(part.bytes);
      }
      response->set_resident_bytes(resident_memory_bytes());
    }
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::Train(grpc::ServerContext* context, const v1::TrainRequest* request,
                                v1::TrainResponse* response) {
  return gate_.serve(context, "Train", [&](serving::ServedCall&) -> grpc::Status {
    // Always in the background, also when the caller waits: the engine then decides ALREADY_EXISTS
    // atomically, and a call that ends first (its deadline, the client, a server shutdown) leaves
    // the training to finish instead of holding a handler thread for its whole length.
    if (absl::Status status = engine_.train_learned(ranker::wall_clock_ms(), /*wait=*/false);
        !status.ok()) {
      return to_grpc(status);
    }
    ranker::EngineCounts counts = engine_.counts();
    if (request->wait()) {
      // Ours is the training running now (any other start is refused until it ends); it has ended
      // once nothing runs or one more training finished.
      const std::uint64_t finished_before = counts.training->finished;
      while (counts.training->running && counts.training->finished == finished_before) {
        if (context->IsCancelled()) {
          return grpc::Status(grpc::StatusCode::CANCELLED,
                              "stopped waiting; the training goes on in the server");
        }
        std::this_thread::sleep_for(kJobPoll);
        counts = engine_.counts();
      }
      if (counts.training->phase.starts_with(kFailedPhase)) {
        // The training's own code: FAILED_PRECONDITION (nothing to train on yet) is not a fault.
        const absl::Status& error = counts.training->last_error;
        return to_grpc(absl::Status(error.ok() ? absl::StatusCode::kInternal : error.code(),
                                    "training failed: " +
                                        counts.training->phase.substr(kFailedPhase.size())));
      }
    }
    to_proto(counts, *response->mutable_learned());
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::Reembed(grpc::ServerContext* context, const v1::ReembedRequest* request,
                                  v1::ReembedResponse* response) {
  return gate_.serve(context, "Reembed", [&](serving::ServedCall&) -> grpc::Status {
    // In the background also when the caller waits, as Train does, for the same reasons.
    if (absl::Status status = engine_.reembed(/*wait=*/false); !status.ok()) return to_grpc(status);
    ranker::EngineCounts counts = engine_.counts();
    while (request->wait() && counts.reembed->running) {
      if (context->IsCancelled()) {
        return grpc::Status(grpc::StatusCode::CANCELLED,
                            "stopped waiting; the re-embedding goes on in the server");
      }
      std::this_thread::sleep_for(kJobPoll);
      counts = engine_.counts();
    }
    if (!counts.reembed->error.empty()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "re-embedding failed: " + counts.reembed->error);
    }
    to_proto(*counts.reembed, *response->mutable_reembed());
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::ReloadExperiments(grpc::ServerContext* context,
                                            const v1::ReloadExperimentsRequest*,
                                            v1::ReloadExperimentsResponse* response) {
  return gate_.serve(context, "ReloadExperiments", [&](serving::ServedCall&) -> grpc::Status {
    auto ids = experiments_.reload();
    if (!ids.ok()) return to_grpc(ids.status());
    spdlog::info("experiments reloaded from {}: {} experiments", experiments_.config_path().string(),
                 ids->size());
    response->set_path(experiments_.config_path().string());
    for (std::string& id : *ids) response->add_experiments(std::move(id));
    return grpc::Status::OK;
  });
}

grpc::Status FeedService::GetExperimentReport(grpc::ServerContext* context,
                                              const v1::GetExperimentReportRequest* request,
                                              v1::GetExperimentReportResponse* response) {
  return gate_.serve(context, "GetExperimentReport", [&](serving::ServedCall&) -> grpc::Status {
    if (auto status = check_text("experiment_id", request->experiment_id(),
                                 ranker::kMaxExperimentNameLength, true);
        !status.ok()) {
      return to_grpc(status);
    }
    if (request->attribution_window_ms() < 0 ||
        request->attribution_window_ms() > ranker::kMaxAttributionWindowMs) {
      return to_grpc(
          invalid("attribution_window_ms",
                  fmt::format("must be 0..{} (30 days; 0: the experiment's own), got {}",
                              ranker::kMaxAttributionWindowMs, request->attribution_window_ms())));
    }
    auto report = experiments_.report(request->experiment_id(), request->attribution_window_ms());
    if (!report.ok()) return to_grpc(report.status());
    to_proto(*report, *response);
    return grpc::Status::OK;
  });
}

}  // namespace feedrank::api
