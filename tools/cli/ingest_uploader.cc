#include "tools/cli/ingest_uploader.h"

#include <utility>

namespace feedrank::cli {

IngestUploader::IngestUploader(std::shared_ptr<grpc::Channel> channel, std::string target,
                               IngestUploaderOptions options)
    : channel_(std::move(channel)),
      stub_(v1::FeedRank::NewStub(channel_)),
      target_(std::move(target)),
      options_(std::move(options)) {}

IngestUploader::~IngestUploader() {
  // An unfinished stream must not be half-applied silently: cancel it.
  if (writer_ && !finished_) {
    context_.TryCancel();
    writer_->Finish().IgnoreError();
  }
}

bool IngestUploader::open() {
  if (writer_) return true;
  if (failed_) return false;
  if (!channel_->WaitForConnected(std::chrono::system_clock::now() + options_.connect_timeout)) {
    failed_ = true;
    failure_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "cannot connect to " + target_ + " within " +
                                std::to_string(options_.connect_timeout.count()) + " s");
    return false;
  }
  writer_ = stub_->Ingest(&context_, &response_);
  return true;
}

bool IngestUploader::flush() {
  if (chunk_.records().empty()) return !failed_;
  if (!open()) return false;
  if (!writer_->Write(chunk_)) {
    failed_ = true;  // the server ended the call; Finish() carries its status
    return false;
  }
  records_sent_ += static_cast<std::uint64_t>(chunk_.records_size());
  chunk_.Clear();
  if (options_.on_chunk_sent) options_.on_chunk_sent(records_sent_);
  return true;
}

bool IngestUploader::add(const v1::IngestRecord& record) {
  if (failed_ || finished_) return false;
  *chunk_.add_records() = record;
  if (static_cast<std::size_t>(chunk_.records_size()) < options_.chunk_records) return true;
  return flush();
}

IngestSummary IngestUploader::finish() {
  IngestSummary summary;
  if (!finished_) {
    finished_ = true;
    flush();
    if (open()) {
      if (!failed_) writer_->WritesDone();
      summary.status = writer_->Finish();
    }
  }
  if (!writer_) summary.status = failure_;
  if (summary.status.ok()) summary.response = response_;
  summary.records_sent = records_sent_;
  return summary;
}

}  // namespace feedrank::cli
