#include "store/durable_store.h"

namespace feedrank::store {
namespace {

// A checkpoint's states (~11 MB for 10,000 users) went into RocksDB as one batch, and the commit
// after it waited 12-38 ms for that batch's memtable inserts (benchmarks/RESULTS.md, thirty-fourth
// session). Pieces this large keep that wait well under a millisecond.
constexpr std::size_t kStateBytesPerWrite = 256 << 10;

}  // namespace

absl::Status DurableStore::save_checkpoint(const Checkpoint& checkpoint) {
  const std::size_t users = checkpoint.user_count();
  for (std::size_t first = 0, end = 0; first < users; first = end) {
    std::size_t bytes = 0;
    while (end < users && bytes < kStateBytesPerWrite) bytes += checkpoint.state(end++).size();
    if (auto status = save_user_states(checkpoint, first, end); !status.ok()) return status;
  }
  return save_checkpoint_sequence(checkpoint.through());
}

}  // namespace feedrank::store
