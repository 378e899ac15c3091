#include "tools/datasets/jsonl_records.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace feedrank::datasets {
namespace {

v1::IngestRecord record_from_text(const std::string& text_proto) {
  v1::IngestRecord record;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text_proto, &record)) << text_proto;
  return record;
}

// Short test names ("case_3"): the parameters themselves print as byte dumps.
struct NumberedCase {
  template <class Param>
  std::string operator()(const testing::TestParamInfo<Param>& info) const {
    return "case_" + std::to_string(info.index);
  }
};

class JsonlRoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(JsonlRoundTrip, ParsesBackToTheSameRecord) {
  const v1::IngestRecord record = record_from_text(GetParam());
  const std::string line = to_jsonl_line(record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto parsed = parse_jsonl_record(line);
  ASSERT_TRUE(parsed.ok()) << line << ": " << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*parsed, record))
      << line << "\n"
      << parsed->DebugString();
}

INSTANTIATE_TEST_SUITE_P(
    EveryRecordType, JsonlRoundTrip,
    testing::
        Values(
            R"pb(user { id: 18446744073709551615 handle: "ana \"quoted\" é" created_at_ms: 1 })pb",
            R"pb(post {
                   id: 7
                   author_id: 3
                   text: "hello #world\nsecond line ✓"
                   created_at_ms: 1704067200000
                   visibility: VISIBILITY_FOLLOWERS
                   embedding: [ 0.1, -2.5, 3e-8, 1e30 ]
                 })pb",
            R"pb(post {
                   id: 8
                   author_id: 3
                   text: "x"
                   created_at_ms: 5
                   visibility: VISIBILITY_PUBLIC
                 })pb",
            R"pb(follow { follower_id: 1 followee_id: 2 created_at_ms: 9 })pb",
            R"pb(unfollow { follower_id: 1 followee_id: 2 created_at_ms: 10 })pb",
            R"pb(unfollow { follower_id: 1 followee_id: 2 })pb", R"pb(delete_post_id: 42)pb",
            R"pb(engagement { user_id: 1 post_id: 2 kind: ENGAGEMENT_KIND_VIEW at_ms: 3 })pb",
            R"pb(engagement { user_id: 1 post_id: 2 kind: ENGAGEMENT_KIND_LIKE at_ms: 3 })pb",
            R"pb(engagement { user_id: 1 post_id: 2 kind: ENGAGEMENT_KIND_COMMENT at_ms: 3 })pb",
            R"pb(engagement { user_id: 1 post_id: 2 kind: ENGAGEMENT_KIND_SHARE at_ms: 3 })pb"),
    NumberedCase());

TEST(JsonlRecords, ReadsTheDocumentedFormat) {
  const auto post = parse_jsonl_record(
      R"({"type":"post","id":5,"author_id":2,"text":"hi #there","created_at_ms":1000,)"
      R"("embedding":[1,0.5]})");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->post().id(), 5u);
  EXPECT_EQ(post->post().author_id(), 2u);
  EXPECT_EQ(post->post().text(), "hi #there");
  EXPECT_EQ(post->post().created_at_ms(), 1000);
  EXPECT_EQ(post->post().visibility(), v1::VISIBILITY_PUBLIC);  // the default
  EXPECT_EQ(std::vector<float>(post->post().embedding().begin(), post->post().embedding().end()),
            (std::vector<float>{1.0f, 0.5f}));

  const auto engagement = parse_jsonl_record(
      R"( {"at_ms":4,"kind":"share","post_id":3,"user_id":2,"type":"engagement"} )");
  ASSERT_TRUE(engagement.ok()) << engagement.status();
  EXPECT_EQ(engagement->engagement().kind(), v1::ENGAGEMENT_KIND_SHARE);
  EXPECT_EQ(engagement->engagement().at_ms(), 4);

  // A post without text: the field may be left out.
  const auto untitled =
      parse_jsonl_record(R"({"type":"post","id":6,"author_id":2,"created_at_ms":1000})");
  ASSERT_TRUE(untitled.ok()) << untitled.status();
  EXPECT_EQ(untitled->post().text(), "");

  const auto deletion = parse_jsonl_record(R"({"type":"delete_post","post_id":9})");
  ASSERT_TRUE(deletion.ok()) << deletion.status();
  EXPECT_EQ(deletion->delete_post_id(), 9u);
}

TEST(JsonlRecords, WritesTypeFirstAndFloatsInShortestForm) {
  const std::string line = to_jsonl_line(record_from_text(R"pb(post {
                                                                 id: 1
                                                                 author_id: 2
                                                                 text: "t"
                                                                 created_at_ms: 3
                                                                 embedding: [ 0.1 ]
                                                               })pb"));
  EXPECT_EQ(line, R"({"type":"post","id":1,"author_id":2,"text":"t","created_at_ms":3,)"
                  R"("visibility":"public","embedding":[0.1]})");
}

TEST(JsonlRecords, ReplacesInvalidUtf8WhenWriting) {
  v1::IngestRecord record;
  record.mutable_user()->set_handle("bad \xff byte");
  std::string line;
  ASSERT_NO_THROW(line = to_jsonl_line(record));
  EXPECT_NE(line.find("bad \xEF\xBF\xBD byte"), std::string::npos) << line;
}

TEST(JsonlRecords, EmptyRecordDoesNotParseBack) {
  const std::string line = to_jsonl_line(v1::IngestRecord());
  EXPECT_EQ(line, "{}");
  EXPECT_FALSE(parse_jsonl_record(line).ok());
}

struct MalformedLine {
  std::string line;
  std::string error;  // a part of the message
};

class JsonlMalformedLine : public testing::TestWithParam<MalformedLine> {};

TEST_P(JsonlMalformedLine, IsRejectedWithAMessageNamingTheProblem) {
  absl::StatusOr<v1::IngestRecord> parsed;
  ASSERT_NO_THROW(parsed = parse_jsonl_record(GetParam().line));
  ASSERT_FALSE(parsed.ok()) << GetParam().line;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(GetParam().error), std::string::npos)
      << "line: " << GetParam().line << "\nmessage: " << parsed.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    EveryKindOfMistake, JsonlMalformedLine,
    testing::Values(
        MalformedLine{"", "invalid JSON"}, MalformedLine{"{\"type\":\"user\"", "invalid JSON"},
        MalformedLine{"{\"type\":\"user\"} trailing", "invalid JSON"},
        MalformedLine{"{\"type\":\"post\",\"text\":\"\xff\"}", "invalid JSON"},
        MalformedLine{"[1,2]", "expected a JSON object, got array"},
        MalformedLine{"{\"id\":1}", "missing field \"type\""},
        MalformedLine{"{\"type\":3}", "field \"type\": expected a string, got non-negative"},
        MalformedLine{R"({"type":"comment"})", "unknown type \"comment\""},
        MalformedLine{R"({"type":"user","id":1,"created_at_ms":2})", "missing field \"handle\""},
        MalformedLine{R"({"type":"follow","follower_id":1,"followee_id":2})",
                      "missing field \"created_at_ms\""},
        MalformedLine{R"({"type":"delete_post"})", "missing field \"post_id\""},
        MalformedLine{R"({"type":"user","id":"1","handle":"a","created_at_ms":2})",
                      "field \"id\": expected a non-negative integer, got string"},
        MalformedLine{R"({"type":"user","id":-1,"handle":"a","created_at_ms":2})",
                      "field \"id\": expected a non-negative integer, got negative integer"},
        MalformedLine{R"({"type":"user","id":1.5,"handle":"a","created_at_ms":2})",
                      "field \"id\": expected a non-negative integer, got number with a fraction"},
        MalformedLine{R"({"type":"user","id":18446744073709551616,"handle":"a","created_at_ms":2})",
                      "got number with a fraction or exponent, or above 2^64-1"},
        MalformedLine{R"({"type":"user","id":1,"handle":"a","created_at_ms":2,"id":7})",
                      "field \"id\" given twice"},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","text":"u","created_at_ms":2})",
            "field \"text\" given twice"},
        MalformedLine{R"({"type":"user","id":1,"handle":"a","created_at_ms":18446744073709551615})",
                      "field \"created_at_ms\": expected an integer within int64"},
        MalformedLine{R"({"type":"user","id":1,"handle":7,"created_at_ms":2})",
                      "field \"handle\": expected a string"},
        MalformedLine{R"({"type":"user","id":1,"handle":"a","created_at_ms":2,"email":"x"})",
                      "unknown field \"email\" for type \"user\""},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","created_at_ms":2,"hashtags":[]})",
            "unknown field \"hashtags\""},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","created_at_ms":2,"visibility":"secret"})",
            "field \"visibility\": unknown value \"secret\""},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","created_at_ms":2,"embedding":3})",
            "field \"embedding\": expected an array of numbers"},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","created_at_ms":2,"embedding":[1,"2"]})",
            "field \"embedding[1]\": expected a number"},
        MalformedLine{
            R"({"type":"post","id":1,"author_id":1,"text":"t","created_at_ms":2,"embedding":[1e39]})",
            "field \"embedding[0]\": out of float range"},
        MalformedLine{R"({"type":"engagement","user_id":1,"post_id":2,"kind":"love","at_ms":3})",
                      "field \"kind\": unknown value \"love\" (expected one of: view, like, "
                      "comment, share)"},
        MalformedLine{R"({"type":"engagement","user_id":1,"post_id":2,"kind":"LIKE","at_ms":3})",
                      "unknown value \"LIKE\""},
        MalformedLine{R"({"type":"engagement","user_id":1,"post_id":2,"at_ms":3})",
                      "missing field \"kind\""}),
    NumberedCase());

}  // namespace
}  // namespace feedrank::datasets
