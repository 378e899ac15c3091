// A user written to a DurableStore, and the ids of the users it holds (read by replaying it):
// for the tests of the store's files and disk faults.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/durable_store.h"

namespace feedrank::store {

inline absl::Status write_test_user(DurableStore& store, UserId id) {
  User user;
  user.id = id;
  user.handle = "user" + std::to_string(id);
  user.created_at = 1000;
  const StoreMutation mutation = user;
  return store.commit({&mutation, 1});
}

inline std::vector<UserId> stored_user_ids(DurableStore& store) {
  struct Users : StoreVisitor {
    void on_checkpoint(Sequence) override {}
    void on_user(User user) override { ids.push_back(user.id); }
    void on_post(StoredPost) override {}
    void on_follow(const Follow&) override {}
    void on_engagement(const StoredEngagement&) override {}
    void on_user_state(UserId, Sequence, std::string) override {}
    std::vector<UserId> ids;
  } users;
  EXPECT_TRUE(store.replay(users).ok());
  return users.ids;
}

}  // namespace feedrank::store
