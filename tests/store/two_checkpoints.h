// The checkpoints rocksdb_checkpoint_test saves, in its own process and in checkpoint_crash_writer,
// and checkpoint_of(), which makes them.
#pragma once

#include <initializer_list>
#include <map>
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
// The user the writer commits after the second checkpoint.
inline constexpr UserId kUserAfterSecond = 7;

}  // namespace feedrank::store::test
