#include "tools/cli/ingest_uploader.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace feedrank::cli {

namespace {

// Reads the unsigned number at the start of `text`, moving past it.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

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

bool IngestUploader::add(const v1::IngestRecord& record, std::uint64_t source_line) {
  if (failed_ || finished_) return false;
  // Only where a record's line is not the one after its predecessor's (a blank line skipped, the
  // first line given), so that a load of 100M records keeps a few entries, not 100M lines.
  const std::uint64_t number = records_sent_ + static_cast<std::uint64_t>(chunk_.records_size());
  if (source_line != line_of(number)) line_jumps_.push_back({number, source_line});
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

std::optional<std::uint64_t> IngestUploader::rejected_source_line(
    const grpc::Status& status) const {
  // The server's form (api/feed_service.cc): "chunk C: records[I].<field>: <reason> (...)".
  // Every chunk but the last is full, so the record is number C * chunk_records + I.
  const std::string whole = status.error_message();  // a copy: gRPC returns it by value
  std::string_view message = whole;
  if (!take_prefix(message, "chunk ")) return std::nullopt;
  const auto chunk = take_number(message);
  if (!chunk || !take_prefix(message, ": records[")) return std::nullopt;
  const auto index = take_number(message);
  if (!index || !take_prefix(message, "]")) return std::nullopt;
  const std::size_t per_chunk = options_.chunk_records;
  const std::uint64_t added = records_sent_ + static_cast<std::uint64_t>(chunk_.records_size());
  if (per_chunk == 0 || *chunk > added / per_chunk) return std::nullopt;
  const std::uint64_t record = *chunk * per_chunk + *index;
  if (*index >= per_chunk || record >= added) return std::nullopt;
  const std::uint64_t line = line_of(record);
  if (line == 0) return std::nullopt;
  return line;
}

std::uint64_t IngestUploader::line_of(std::uint64_t record) const {
  // The last jump at or before `record`; lines count on by one from it (0: no lines given).
  const auto after = std::upper_bound(
      line_jumps_.begin(), line_jumps_.end(), record,
      [](std::uint64_t r, const LineJump& jump) { return r < jump.first_record; });
  if (after == line_jumps_.begin()) return 0;
  const LineJump& jump = *std::prev(after);
  return jump.line == 0 ? 0 : jump.line + (record - jump.first_record);
}

}  // namespace feedrank::cli
