// Viewers who read on: a served feed page's next-page cursor is kept with probability
// `follow_share`, and the next feed call of that mode continues the oldest kept cursor instead
// of opening a new viewer's first page. So about `follow_share` of the feed calls ask for page
// 2 or later, each with the viewer and cursor the server handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace feedrank::load {

struct PageRef {
  std::uint64_t viewer = 0;
  std::string cursor;
};

class CursorWalker {
 public:
  // At most `capacity` cursors are kept per mode; past it the oldest is forgotten (its viewer
  // stopped reading).
  CursorWalker(double follow_share, std::size_t capacity = 4096);

  // A page of `viewer`'s feed was served; `u` uniform in [0, 1) decides whether they read on.
  void page_served(bool algorithmic, std::uint64_t viewer, std::string next_cursor, double u);
  // The page to ask for next in this mode, if a kept cursor is waiting.
  std::optional<PageRef> next_page(bool algorithmic);

  std::size_t kept(bool algorithmic) const { return queue(algorithmic).size(); }

 private:
  std::deque<PageRef>& queue(bool algorithmic) {
    return algorithmic ? algorithmic_ : chronological_;
  }
  const std::deque<PageRef>& queue(bool algorithmic) const {
    return algorithmic ? algorithmic_ : chronological_;
  }

  double follow_share_;
  std::size_t capacity_;
  std::deque<PageRef> chronological_;
  std::deque<PageRef> algorithmic_;
};

}  // namespace feedrank::load
