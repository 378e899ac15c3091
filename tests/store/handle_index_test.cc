#include "store/handle_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/feed_state.h"

namespace feedrank::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<UserId> ids(std::span<const UserId> span) { return {span.begin(), span.end()}; }

TEST(HandleIndexTest, SharedHandlesListEveryUserAscending) {
  HandleIndex index;
  index.rename(9, "", "ann");
  index.rename(3, "", "ann");
  index.rename(5, "", "bob");
  EXPECT_THAT(ids(index.users("ann")), ElementsAre(3, 9));
  EXPECT_THAT(ids(index.users("bob")), ElementsAre(5));
  EXPECT_THAT(ids(index.users("an")), IsEmpty());  // exact match only
}

TEST(HandleIndexTest, RenameMovesTheUser) {
  HandleIndex index;
  index.rename(3, "", "ann");
  index.rename(3, "ann", "anna");
  EXPECT_THAT(ids(index.users("ann")), IsEmpty());
  EXPECT_THAT(ids(index.users("anna")), ElementsAre(3));
  index.rename(3, "anna", "anna");  // unchanged
  EXPECT_THAT(ids(index.users("anna")), ElementsAre(3));
}

TEST(HandleIndexTest, FeedStateKeepsItInStepWithUpserts) {
  FeedState state;
  state.apply(User{.id = 1, .handle = "ann", .created_at = 10});
  state.apply(User{.id = 2, .handle = "ann", .created_at = 10});
  state.apply(User{.id = 1, .handle = "zed", .created_at = 10});  // an upsert renames
  EXPECT_THAT(ids(state.handles.users("ann")), ElementsAre(2));
  EXPECT_THAT(ids(state.handles.users("zed")), ElementsAre(1));
}

}  // namespace
}  // namespace feedrank::store
