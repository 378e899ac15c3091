// Short builders for the records the tests write, with valid defaults for every field a test
// does not care about, and readers that turn responses into plain values to compare.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::api_test {

namespace v1 = ::feedrank::v1;

// Handle "user<id>", created at 1 ms.
v1::User user(std::uint64_t id);
// Text post_text(id), PUBLIC unless said otherwise.
v1::Post post(std::uint64_t id, std::uint64_t author, std::int64_t created_at_ms,
              v1::Visibility visibility = v1::VISIBILITY_PUBLIC);
std::string post_text(std::uint64_t id);
// Created at 1 ms.
v1::FollowEdge edge(std::uint64_t follower, std::uint64_t followee);
v1::Engagement engagement(std::uint64_t user_id, std::uint64_t post_id,
                          v1::EngagementKind kind = v1::ENGAGEMENT_KIND_LIKE,
                          std::int64_t at_ms = 1);

// One record of an Ingest chunk.
v1::IngestRecord user_record(std::uint64_t id);
v1::IngestRecord post_record(const v1::Post& post);
v1::IngestRecord follow_record(std::uint64_t follower, std::uint64_t followee);
v1::IngestRecord unfollow_record(std::uint64_t follower, std::uint64_t followee);
v1::IngestRecord delete_record(std::uint64_t post_id);
v1::IngestRecord engagement_record(const v1::Engagement& engagement);
v1::IngestRequest chunk(std::vector<v1::IngestRecord> records);

std::vector<std::uint64_t> post_ids(const std::vector<v1::FeedItem>& items);
std::vector<std::uint64_t> post_ids(const v1::GetFeedResponse& page);

// Whole-message equality for expectations, with a readable failure message.
std::string text_of(const google::protobuf::Message& message);
// text_of() the stats without what a moment changes: the rows the background indexers have not
// reached yet (a few, just after a write, with any backend) and their progress, and the
// checkpoints' saves (the newest record is kept).
std::string stored_stats_of(v1::GetStatsResponse stats);

}  // namespace feedrank::api_test
