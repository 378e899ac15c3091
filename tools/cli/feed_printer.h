// A feed page for people (a table) or for scripts (one JSON object).
#pragma once

#include <ostream>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// Columns TIME (ISO-8601 UTC), AUTHOR, POST, SOURCE, SCORE, TEXT (one line, cut to 60 bytes),
// then "next_cursor: <cursor>" or "next_cursor: (none)".
void print_feed_table(const v1::GetFeedResponse& feed, std::ostream& out);

// {"items":[{"post_id","author_id","created_at_ms","created_at","text","score","source"}...],
//  "next_cursor":"..."}, the text in full.
void print_feed_json(const v1::GetFeedResponse& feed, std::ostream& out);

}  // namespace feedrank::cli
