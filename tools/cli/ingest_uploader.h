// Client side of the Ingest RPC: records go out in chunks, each sent as soon as it is full, so
// memory stays bounded whatever the size of the input.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "feedrank/v1/feedrank.grpc.pb.h"

namespace feedrank::cli {

struct IngestUploaderOptions {
  std::size_t chunk_records = 1000;  // the server takes at most 10,000
  std::chrono::seconds connect_timeout{10};
  // Called after each chunk the stream accepted, with the records sent so far.
  std::function<void(std::uint64_t records_sent)> on_chunk_sent;
};

struct IngestSummary {
  grpc::Status status;
  v1::IngestResponse response;     // what the server acknowledged; only when status is OK
  std::uint64_t records_sent = 0;  // records in chunks the stream accepted
};

class IngestUploader {
 public:
  // `target` (HOST:PORT) is only used in messages. The stream opens with the first chunk, after
  // waiting up to connect_timeout for the channel to connect; the stream has no deadline.
  IngestUploader(std::shared_ptr<grpc::Channel> channel, std::string target,
                 IngestUploaderOptions options = {});
  ~IngestUploader();
  IngestUploader(const IngestUploader&) = delete;
  IngestUploader& operator=(const IngestUploader&) = delete;

  // Queues one record, sending the chunk once full. False once the stream has failed: stop
  // producing and call finish() to learn why. `source_line` (from 1; 0 for none) is where the
  // record came from in the input, for rejected_source_line().
  bool add(const v1::IngestRecord& record, std::uint64_t source_line = 0);

  // Sends the partial chunk, closes the stream and waits for the server's summary. Call once.
  IngestSummary finish();

  // The input line of the record a server error names ("chunk 3: records[17]..."), when the
  // records were added with their lines; the server only knows chunks and positions in them.
  std::optional<std::uint64_t> rejected_source_line(const grpc::Status& status) const;

 private:
  bool open();
  bool flush();
  std::uint64_t line_of(std::uint64_t record) const;  // the input line of a record added; 0: none

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;
  std::string target_;
  IngestUploaderOptions options_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientWriter<v1::IngestRequest>> writer_;
  v1::IngestRequest chunk_;
  v1::IngestResponse response_;
  grpc::Status failure_;  // why the stream could not be opened
  bool failed_ = false;
  bool finished_ = false;
  std::uint64_t records_sent_ = 0;
  // Where the records' input lines stop counting on by one: record `first_record` is on `line`
  // (0: records from there on came with no line).
  struct LineJump {
    std::uint64_t first_record;
    std::uint64_t line;
  };
  std::vector<LineJump> line_jumps_;
};

}  // namespace feedrank::cli
