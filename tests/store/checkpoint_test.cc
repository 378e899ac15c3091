// Checkpoint: user states written into one block come back whole and in order, each as long as
// its writer said, however much room it was given.
#include "store/checkpoint.h"

#include <gmock/gmock.h>

#include <string>

#include "tests/store/two_checkpoints.h"

namespace feedrank::store {
namespace {

TEST(Checkpoint, StatesComeBackAsWrittenEachAsLongAsItsWriterSaid) {
  Checkpoint checkpoint(42);
  constexpr std::size_t kRoom = 16;
  checkpoint.reserve(3, kRoom);
  const std::string states[] = {"abc", "", "0123456789abcdef"};
  UserId user = 7;
  for (const std::string& state : states) {
    checkpoint.add(user++, kRoom, [&](std::span<char> room) {
      EXPECT_EQ(room.size(), kRoom);
      std::copy(state.begin(), state.end(), room.begin());
      return state.size();
    });
  }
  EXPECT_EQ(checkpoint.through(), 42u);
  ASSERT_EQ(checkpoint.user_count(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(checkpoint.user(i), 7 + i);
    EXPECT_EQ(checkpoint.state(i), states[i]) << "user " << checkpoint.user(i);
  }
}

TEST(Checkpoint, GrowsPastWhatWasReserved) {
  Checkpoint checkpoint = test::checkpoint_of(1, {{1, "one"}, {2, "two"}});
  checkpoint.reserve(2, 3);  // what it holds already
  checkpoint.add(3, 5, [](std::span<char> room) {
    room[0] = 'x';
    return std::size_t{1};
  });
  ASSERT_EQ(checkpoint.user_count(), 3u);
  EXPECT_EQ(checkpoint.state(0), "one");
  EXPECT_EQ(checkpoint.state(1), "two");
  EXPECT_EQ(checkpoint.state(2), "x");
}

}  // namespace
}  // namespace feedrank::store
