// For rocksdb_checkpoint_test: in the store in DIRECTORY, saves the first checkpoint and closes,
// reopens, saves the second and commits a user after it, prints "committed", then waits to be
// killed with SIGKILL (no close, no flush). With --durable, the second checkpoint is made
// durable before the commit, as a rewrite does. Exits with 1 where a step fails.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <span>
#include <string_view>

#include "store/durable_store.h"
#include "tests/store/two_checkpoints.h"

namespace store = feedrank::store;

int main(int argc, char** argv) {
  const bool durable = argc == 3 && std::string_view(argv[2]) == "--durable";
  if (argc != 2 && !durable) {
    std::cerr << "usage: checkpoint_crash_writer DIRECTORY [--durable]\n";
    return 2;
  }
  {
    auto first = store::open_rocksdb_store(argv[1]);
    if (!first.ok() || !(*first)->save_checkpoint(store::test::kFirstCheckpoint).ok()) return 1;
  }
  auto second = store::open_rocksdb_store(argv[1]);
  if (!second.ok() || !(*second)->save_checkpoint(store::test::kSecondCheckpoint).ok()) return 1;
  if (durable && !(*second)->make_checkpoint_durable().ok()) return 1;
  const store::StoreMutation user = feedrank::User{store::test::kUserAfterSecond, "after", 0};
  if (!(*second)->commit(std::span(&user, 1)).ok()) return 1;
  std::printf("committed\n");
  std::fflush(stdout);
  for (;;) ::pause();
}
