// CheckpointCopy: the states of a checkpoint's sequence, though the writer changes them before
// they are copied, each user once; and no copy left open after a take that failed. (Room of 32
// bytes a state: every state here fits, also one a broken copy would take by mistake.)
#include "store/checkpoint_copy.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace feedrank::store {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Users' states as strings, changed by a writer under an exclusive lock, as the store does.
class CheckpointCopyTest : public ::testing::Test {
 protected:
  void change(UserId user, std::string state) {
    std::unique_lock lock(mutex_);
    copy_.before_change(user);
    states_[user] = std::move(state);
  }

  void under_readers_lock(absl::FunctionRef<void()> read) {
    std::shared_lock lock(mutex_);
    read();
  }

  static std::map<UserId, std::string> states_of(const Checkpoint& checkpoint) {
    std::map<UserId, std::string> states;
    for (std::size_t i = 0; i < checkpoint.user_count(); ++i) {
      EXPECT_TRUE(states.emplace(checkpoint.user(i), checkpoint.state(i)).second)
          << "user " << checkpoint.user(i) << " twice";
    }
    return states;
  }

  std::shared_mutex mutex_;
  std::map<UserId, std::string> states_ = {{1, "one"}, {2, "two"}, {3, "three"}};
  CheckpointCopy copy_{[this](UserId user, std::span<char> room) {
    const std::string& state = states_[user];
    std::ranges::copy(state, room.begin());
    return state.size();
  }};
};

TEST_F(CheckpointCopyTest, HoldsTheStatesAtItsBeginThoughTheWriterChangedThemBeforeTheTake) {
  copy_.begin(7, {1, 2}, 32);
  change(1, "one, changed");
  change(1, "one, changed twice");
  change(3, "three, not in the checkpoint");
  const Checkpoint taken = copy_.take([this](auto read) { under_readers_lock(read); });
  EXPECT_EQ(taken.through(), 7u);
  EXPECT_THAT(states_of(taken), ElementsAre(Pair(1, "one"), Pair(2, "two")));
}

// The writer changes users before the take and between its turns (the store's writes go on
// beside it): each state is in the checkpoint once, as it was at the begin.
TEST_F(CheckpointCopyTest, StatesChangedBetweenTheTakesTurnsAreThoseOfTheBegin) {
  constexpr UserId kUsers = 500;  // several turns
  absl::flat_hash_set<UserId> users;
  std::map<UserId, std::string> at_begin;
  for (UserId user = 1; user <= kUsers; ++user) {
    states_[user] = "state " + std::to_string(user);
    at_begin[user] = states_[user];
    users.insert(user);
  }
  copy_.begin(3, users, 32);
  change(kUsers, "changed before the take");
  UserId next_change = 1;
  const Checkpoint taken = copy_.take([&](auto read) {
    for (int i = 0; i < 100 && next_change < kUsers; ++i, ++next_change) {
      change(next_change, "changed during the take");
    }
    under_readers_lock(read);
  });
  EXPECT_EQ(next_change, kUsers) << "every user changed before the take ended";
  EXPECT_EQ(states_of(taken), at_begin);
}

// Failing at the hand-over of the take's room to the writer, or in the first turn after it.
TEST_F(CheckpointCopyTest, ATakeThatFailsLeavesNoCopyOpen) {
  for (const int failing_turn : {1, 2}) {
    SCOPED_TRACE(failing_turn);
    copy_.begin(1, {1, 2}, 32);
    int turn = 0;
    EXPECT_THROW((void)copy_.take([&](auto read) {
                   if (++turn == failing_turn) throw std::runtime_error("no memory");
                   under_readers_lock(read);
                 }),
                 std::runtime_error);
    change(1, "after the failed take");  // must not be copied for any checkpoint
    copy_.begin(2, {3}, 32);
    const Checkpoint next = copy_.take([this](auto read) { under_readers_lock(read); });
    EXPECT_THAT(states_of(next), UnorderedElementsAre(Pair(3, "three")));
  }
}

// No memory for the checkpoint's room: the copy is closed all the same.
TEST_F(CheckpointCopyTest, ATakeWithoutRoomForItsStatesLeavesNoCopyOpen) {
  copy_.begin(1, {1, 2}, std::size_t{1} << 62);  // more room than any machine has
  EXPECT_ANY_THROW((void)copy_.take([this](auto read) { under_readers_lock(read); }));
  change(1, "after the failed take");  // an open copy would copy it (and fail to)
  copy_.begin(2, {3}, 32);
  const Checkpoint next = copy_.take([this](auto read) { under_readers_lock(read); });
  EXPECT_THAT(states_of(next), UnorderedElementsAre(Pair(3, "three")));
}

}  // namespace
}  // namespace feedrank::store
