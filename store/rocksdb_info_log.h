// RocksDB's own text log (LOG in each database directory). By default RocksDB starts a new one at
// every open, keeps up to 1,000 old ones (LOG.old.*) and lets each grow without bound: a service
// restarted often, or up for months, would collect thousands of files and an ever longer LOG.
// Both of the service's databases (the store, the impression log) bound it the same way.
#pragma once

#include <rocksdb/options.h>

#include <cstddef>

namespace feedrank::store {

// Info log files kept in a database directory, the current LOG among them.
inline constexpr std::size_t kInfoLogFilesKept = 10;

inline void bound_info_log(rocksdb::DBOptions& options) {
  options.keep_log_file_num = kInfoLogFilesKept;
  options.max_log_file_size = 16 << 20;  // a new LOG past 16 MiB
}

}  // namespace feedrank::store
