#include "benchmarks/load/cursor_walker.h"

#include <utility>

namespace feedrank::load {

CursorWalker::CursorWalker(double follow_share, std::size_t capacity)
    : follow_share_(follow_share), capacity_(capacity) {}

void CursorWalker::page_served(bool algorithmic, std::uint64_t viewer, std::string next_cursor,
                               double u) {
  if (next_cursor.empty() || u >= follow_share_ || capacity_ == 0) return;
  auto& kept = queue(algorithmic);
  if (kept.size() == capacity_) kept.pop_front();
  kept.push_back({viewer, std::move(next_cursor)});
}

std::optional<PageRef> CursorWalker::next_page(bool algorithmic) {
  auto& kept = queue(algorithmic);
  if (kept.empty()) return std::nullopt;
  PageRef page = std::move(kept.front());
  kept.pop_front();
  return page;
}

}  // namespace feedrank::load
