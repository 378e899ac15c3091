// A feed page for people (a table) or for scripts (one JSON object).
#pragma once

#include <ostream>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// Columns TIME (ISO-8601 UTC), AUTHOR, POST, SOURCE, TEAM (interleaved pages only: "A" or "B"),
// SCORE, TEXT (one line, cut to 60 bytes), then, when the server said how it served the page,
// "mode: <mode>; experiment: <id>; arm: <arm>; request_id: <id>" (experiment and arm only when
// set), then "next_cursor: <cursor>" or "next_cursor: (none)".
void print_feed_table(const v1::GetFeedResponse& feed, std::ostream& out);

// {"items":[{"post_id","author_id","created_at_ms","created_at","text","score","source"}...],
//  "next_cursor","request_id","experiment","arm","mode"}, the text in full; items of an
// interleaved page also have "team" ("A" or "B").
void print_feed_json(const v1::GetFeedResponse& feed, std::ostream& out);

}  // namespace feedrank::cli
