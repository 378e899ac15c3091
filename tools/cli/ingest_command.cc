#include "tools/cli/ingest_command.h"

#include <iostream>

#include "tools/cli/grpc_client.h"
#include "tools/cli/progress_reporter.h"

namespace feedrank::cli {
namespace {

void print_acknowledged(const v1::IngestResponse& response, std::ostream& out) {
  out << "chunks: " << response.chunks() << "\n"
      << "users: " << response.users() << "\n"
      << "posts: " << response.posts() << "\n"
      << "follows: " << response.follows() << "\n"
      << "unfollows: " << response.unfollows() << "\n"
      << "deleted_posts: " << response.deleted_posts() << "\n"
      << "engagements: " << response.engagements() << "\n"
      << "unchanged: " << response.unchanged() << "\n";
}

}  // namespace

int run_ingest(const std::string& server, const RecordProducer& produce,
               const std::function<void(std::ostream&)>& print_more) {
  ProgressReporter progress("load");
  IngestUploader uploader(open_channel(server), server,
                          {.chunk_records = 1000,
                           .connect_timeout = kConnectTimeout,
                           .on_chunk_sent = [&](std::uint64_t sent) { progress.update(sent); }});
  const std::optional<std::string> stopped = produce(uploader);
  const IngestSummary summary = uploader.finish();
  progress.done(summary.records_sent);
  if (!summary.status.ok()) {
    report_rpc_error(summary.status);
    if (const auto line = uploader.rejected_source_line(summary.status)) {
      std::cerr << "the rejected record is line " << *line << " of the input\n";
    }
    // Sent is not stored: the server's message above says how many chunks and records it kept.
    std::cerr << "records sent before the error (not all stored): " << summary.records_sent
              << "\n";
    if (stopped) std::cerr << *stopped << "\n";
    return 1;
  }
  print_acknowledged(summary.response, std::cout);
  if (print_more) print_more(std::cout);
  if (stopped) {
    std::cerr << *stopped << "\n";
    return 1;
  }
  return 0;
}

}  // namespace feedrank::cli
