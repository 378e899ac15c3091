// The checkpoints rocksdb_checkpoint_test saves, in its own process and in checkpoint_crash_writer.
#pragma once

#include <map>
#include <string>

#include "store/durable_store.h"

namespace feedrank::store::test {

inline const Checkpoint kFirstCheckpoint(1, {{1, "first 1"}, {2, "first 2"}});
inline const Checkpoint kSecondCheckpoint(2, {{1, "second 1"}, {3, "second 3"}});
// The user states a replay gives after each.
inline const std::map<UserId, std::string> kStatesAfterFirst = {{1, "first 1"}, {2, "first 2"}};
inline const std::map<UserId, std::string> kStatesAfterSecond = {
    {1, "second 1"}, {2, "first 2"}, {3, "second 3"}};
// The user the writer commits after the second checkpoint.
inline constexpr UserId kUserAfterSecond = 7;

}  // namespace feedrank::store::test
