// The checkpoints rocksdb_checkpoint_test saves, in its own process and in checkpoint_crash_writer,
// checkpoint_of(), which makes them, and Replayed, what a replay of a store hands back.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "store/durable_store.h"

namespace feedrank::store::test {

// A checkpoint at `through` of these states, in this order.
inline Checkpoint checkpoint_of(Sequence through,
                                std::initializer_list<std::pair<UserId, std::string_view>> states) {
  Checkpoint checkpoint(through);
  for (const auto& [user, state] : states) checkpoint.add_copy(user, state);
  return checkpoint;
}

inline const Checkpoint kFirstCheckpoint = checkpoint_of(1, {{1, "first 1"}, {2, "first 2"}});
inline const Checkpoint kSecondCheckpoint = checkpoint_of(2, {{1, "second 1"}, {3, "second 3"}});
// The user states a replay gives after each, with the sequence of the checkpoint that saved each.
using SavedStates = std::map<UserId, std::pair<Sequence, std::string>>;
inline const SavedStates kStatesAfterFirst = {{1, {1, "first 1"}}, {2, {1, "first 2"}}};
inline const SavedStates kStatesAfterSecond = {
    {1, {2, "second 1"}}, {2, {1, "first 2"}}, {3, {2, "second 3"}}};
// What a replay hands back: the checkpoint's sequence, the saved states and the users.
struct Replayed : StoreVisitor {
  std::optional<Sequence> through;
  SavedStates states;
  std::set<UserId> users;

  void on_checkpoint(Sequence sequence) override { through = sequence; }
  void on_user(User user) override { users.insert(user.id); }
  void on_post(StoredPost) override {}
  void on_follow(const Follow&) override {}
  void on_engagement(const StoredEngagement&) override {}
  void on_user_state(UserId user, Sequence sequence, std::string state) override {
    states[user] = {sequence, std::move(state)};
  }
};

// The user the writer commits after the second checkpoint.
inline constexpr UserId kUserAfterSecond = 7;

}  // namespace feedrank::store::test
