#include "tools/cli/ingest_uploader.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/cli/grpc_client.h"
#include "tools/cli/ingest_command.h"
#include "tools/cli/jsonl_upload.h"

namespace feedrank::cli {
namespace {

// Records what the client streamed; can fail the call at a given chunk (counted from 1) and
// record in it, with the real server's message form (chunks counted from 0 there).
class FakeIngestService final : public v1::FeedRank::Service {
 public:
  explicit FakeIngestService(std::size_t fail_at_chunk = 0, std::size_t fail_at_record = 0)
      : fail_at_chunk_(fail_at_chunk), fail_at_record_(fail_at_record) {}

  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<v1::IngestRequest>* reader,
                      v1::IngestResponse* response) override {
    v1::IngestRequest chunk;
    while (reader->Read(&chunk)) {
      std::lock_guard lock(mutex_);
      chunk_sizes_.push_back(chunk.records_size());
      if (chunk_sizes_.size() == fail_at_chunk_) {
        return {grpc::StatusCode::INVALID_ARGUMENT,
                "chunk " + std::to_string(fail_at_chunk_ - 1) + ": records[" +
                    std::to_string(fail_at_record_) + "].user.id: must be non-zero"};
      }
      response->set_chunks(response->chunks() + 1);
      for (const auto& record : chunk.records()) {
        user_ids_.push_back(record.user().id());
        response->set_users(response->users() + 1);
      }
    }
    return grpc::Status::OK;
  }

  std::vector<int> chunk_sizes() const {
    std::lock_guard lock(mutex_);
    return chunk_sizes_;
  }
  std::vector<std::uint64_t> user_ids() const {
    std::lock_guard lock(mutex_);
    return user_ids_;
  }

 private:
  const std::size_t fail_at_chunk_;
  const std::size_t fail_at_record_;
  mutable std::mutex mutex_;
  std::vector<int> chunk_sizes_;
  std::vector<std::uint64_t> user_ids_;
};

// An in-process server on a free local port.
class FakeServer {
 public:
  explicit FakeServer(std::size_t fail_at_chunk = 0, std::size_t fail_at_record = 0)
      : service_(fail_at_chunk, fail_at_record) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  const FakeIngestService& service() const { return service_; }

 private:
  FakeIngestService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

IngestUploaderOptions chunks_of(std::size_t records) {
  IngestUploaderOptions options;
  options.chunk_records = records;
  return options;
}

v1::IngestRecord user(std::uint64_t id) {
  v1::IngestRecord record;
  record.mutable_user()->set_id(id);
  record.mutable_user()->set_handle("u" + std::to_string(id));
  record.mutable_user()->set_created_at_ms(1);
  return record;
}

std::string user_line(std::uint64_t id) {
  return R"({"type":"user","id":)" + std::to_string(id) + R"(,"handle":"u","created_at_ms":1})" +
         "\n";
}

TEST(IngestUploader, SendsFullChunksThenTheRemainder) {
  FakeServer server;
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(1000));
  for (std::uint64_t id = 1; id <= 2500; ++id) ASSERT_TRUE(uploader.add(user(id)));
  const IngestSummary summary = uploader.finish();
  ASSERT_TRUE(summary.status.ok()) << summary.status.error_message();
  EXPECT_EQ(summary.records_sent, 2500u);
  EXPECT_EQ(summary.response.chunks(), 3u);
  EXPECT_EQ(summary.response.users(), 2500u);
  EXPECT_EQ(server.service().chunk_sizes(), (std::vector<int>{1000, 1000, 500}));
  const std::vector<std::uint64_t> ids = server.service().user_ids();
  ASSERT_EQ(ids.size(), 2500u);
  for (std::size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], i + 1) << "order changed";
}

TEST(IngestUploader, SendsAChunkAsSoonAsItIsFull) {
  FakeServer server;
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(10));
  for (std::uint64_t id = 1; id <= 10; ++id) ASSERT_TRUE(uploader.add(user(id)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.service().chunk_sizes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.service().chunk_sizes(), (std::vector<int>{10}));
  EXPECT_TRUE(uploader.finish().status.ok());
}

TEST(IngestUploader, ReportsTheServersErrorAndStopsSending) {
  FakeServer server(/*fail_at_chunk=*/2);
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(100));
  // Writes may be buffered for a while after the server fails the call; the next ones fail.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool accepted = true;
  for (std::uint64_t id = 1; accepted && std::chrono::steady_clock::now() < deadline; ++id) {
    accepted = uploader.add(user(id));
  }
  EXPECT_FALSE(accepted) << "add() should fail once the server ended the call";
  const IngestSummary summary = uploader.finish();
  EXPECT_EQ(summary.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(summary.status.error_message().find("chunk 1: records[0]"), std::string::npos);
  EXPECT_GE(summary.records_sent, 100u);
  EXPECT_FALSE(uploader.add(user(1)));
}

TEST(IngestUploader, UnreachableServerIsUnavailable) {
  IngestUploaderOptions timeout_options = chunks_of(1);
  timeout_options.connect_timeout = std::chrono::seconds(1);
  // Port 1 is privileged and never has a gRPC server in a test environment.
  IngestUploader uploader(open_channel("127.0.0.1:1"), "127.0.0.1:1", timeout_options);
  EXPECT_FALSE(uploader.add(user(1)));
  const IngestSummary summary = uploader.finish();
  EXPECT_EQ(summary.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(summary.status.error_message().find("cannot connect to 127.0.0.1:1"),
            std::string::npos);
  EXPECT_EQ(summary.records_sent, 0u);
}

TEST(UploadJsonl, SendsEveryLineSkippingBlankOnes) {
  FakeServer server;
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(2));
  std::istringstream in(user_line(1) + "\n" + user_line(2) + "  \r\n" + user_line(3));
  EXPECT_EQ(upload_jsonl(in, uploader), std::nullopt);
  ASSERT_TRUE(uploader.finish().status.ok());
  EXPECT_EQ(server.service().user_ids(), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(UploadJsonl, MalformedLineStopsTheLoadAndNothingAfterItIsSent) {
  FakeServer server;
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(2));
  std::istringstream in(user_line(1) + user_line(2) + user_line(3) + "\n" +
                        R"({"type":"user","id":4})" + "\n" + user_line(5) + user_line(6));
  EXPECT_EQ(upload_jsonl(in, uploader), "line 5: missing field \"handle\"");
  const IngestSummary summary = uploader.finish();
  ASSERT_TRUE(summary.status.ok());
  EXPECT_EQ(summary.response.users(), 3u);
  EXPECT_EQ(server.service().user_ids(), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(UploadJsonl, ARecordTheServerRejectsIsNamedByItsInputLine) {
  // Chunks of 2; the server rejects the second record of the second chunk: user 4, which is
  // on line 6 once the blank lines are counted.
  FakeServer server(/*fail_at_chunk=*/2, /*fail_at_record=*/1);
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(2));
  std::istringstream in(user_line(1) + "\n" + user_line(2) + user_line(3) + "\n" +
                        user_line(4) + user_line(5));
  EXPECT_EQ(upload_jsonl(in, uploader), std::nullopt);
  const IngestSummary summary = uploader.finish();
  ASSERT_EQ(summary.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(uploader.rejected_source_line(summary.status), 6u);
}

// Lines are kept as the places they stop counting on by one: a late record after one blank line.
TEST(UploadJsonl, ARejectedRecordLateInALongLoadIsNamedByItsLine) {
  FakeServer server(/*fail_at_chunk=*/3, /*fail_at_record=*/499);
  IngestUploader uploader(open_channel(server.target()), server.target(), chunks_of(1000));
  std::string text;
  for (std::uint64_t id = 1; id <= 2500; ++id) text += user_line(id) + (id == 1200 ? "\n" : "");
  std::istringstream in(text);
  EXPECT_EQ(upload_jsonl(in, uploader), std::nullopt);
  const IngestSummary summary = uploader.finish();
  ASSERT_EQ(summary.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(uploader.rejected_source_line(summary.status), 2501u);  // record 2,500, one blank
}

TEST(IngestUploader, RejectionsItCannotPlaceHaveNoLine) {
  IngestUploader uploader(open_channel("127.0.0.1:1"), "127.0.0.1:1", chunks_of(2));
  const auto status = [](const std::string& message) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
  };
  EXPECT_EQ(uploader.rejected_source_line(status("chunk 0: records[0].user.id: bad")),
            std::nullopt)
      << "nothing was added with a line";
  ASSERT_TRUE(uploader.add(user(1), 7)) << "queued: the chunk is not full";
  EXPECT_EQ(uploader.rejected_source_line(status("chunk 0: records[0].user.id: bad")), 7u);
  EXPECT_EQ(uploader.rejected_source_line(status("chunk 0: records[5].user.id: bad")),
            std::nullopt);
  EXPECT_EQ(uploader.rejected_source_line(status("chunk 18446744073709551615: records[0]")),
            std::nullopt);
  EXPECT_EQ(uploader.rejected_source_line(status("chunk 0: too many records")), std::nullopt);
  EXPECT_EQ(uploader.rejected_source_line(status("")), std::nullopt);
}

TEST(RunIngest, ExitStatusSaysWhetherEverythingWasLoaded) {
  FakeServer server;
  const auto add_two = [](IngestUploader& uploader) -> std::optional<std::string> {
    uploader.add(user(1));
    uploader.add(user(2));
    return std::nullopt;
  };
  EXPECT_EQ(run_ingest(server.target(), add_two), 0);
  const auto stop_early = [](IngestUploader& uploader) -> std::optional<std::string> {
    uploader.add(user(3));
    return "line 2: bad";
  };
  EXPECT_EQ(run_ingest(server.target(), stop_early), 1);
  EXPECT_EQ(server.service().user_ids(), (std::vector<std::uint64_t>{1, 2, 3}));

  FakeServer failing(/*fail_at_chunk=*/1);
  EXPECT_EQ(run_ingest(failing.target(), add_two), 1);
}

}  // namespace
}  // namespace feedrank::cli
