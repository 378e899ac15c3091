#include "ranker/retrieval/saved_index.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <type_traits>
#include <vector>

#include <xxhash.h>

#include "common/half_float.h"
#include "fmt/format.h"
#include "kernels/cpu/faiss_index.h"

namespace feedrank::ranker {
namespace {

constexpr std::string_view kMetaHeader = "feedrank retrieval index v1";

// The ids and vectors of the first `rows` rows: row order after a restart is replay order, so
// the saved index fits only if the same posts, with the same vectors, sit in the same rows. The
// vectors are hashed as floats whatever the table's precision, so that an index saved over a
// float table still fits the same rows kept as halves when they were half-exact (text vectors).
std::uint64_t rows_digest(const embeddings::EmbeddingTable& table, std::size_t rows) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, table.row_ids().data(), rows * sizeof(PostId));
  const auto d = static_cast<std::size_t>(table.dimension());
  constexpr std::size_t kRowsPerChunk = 4096;  // halves are widened this many rows at a time
  std::vector<float> widened;
  for (std::size_t first = 0; first < rows; first += kRowsPerChunk) {
    const std::size_t count = std::min(kRowsPerChunk, rows - first);
    const float* values = table.with_values([&](const auto* matrix) -> const float* {
      if constexpr (std::is_same_v<decltype(matrix), const float*>) {
        return matrix + first * d;
      } else {
        widened.resize(count * d);
        floats_of_half_bits(std::span(matrix + first * d, count * d), widened);
        return widened.data();
      }
    });
    XXH3_64bits_update(state, values, count * d * sizeof(float));
  }
  const std::uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

std::string meta_path(const std::string& path) { return path + ".meta"; }
std::string rows_path(const std::string& path) { return path + ".rows"; }

}  // namespace

bool worth_saving(const RetrievalOptions& options) {
  return options.cpu_index == CpuIndexKind::kHnsw || options.cpu_index == CpuIndexKind::kIvfFlat;
}

absl::Status save_index(const kernels::VectorIndex& index, const embeddings::EmbeddingTable& table,
                        const std::string& path) {
  const std::size_t rows = index.indexed_rows();
  const std::string partial = path + ".partial";
  if (absl::Status status = kernels::save_faiss_index(index, partial); !status.ok()) return status;
  {
    std::ofstream ids(rows_path(partial), std::ios::binary | std::ios::trunc);
    ids.write(reinterpret_cast<const char*>(table.row_ids().data()),
              static_cast<std::streamsize>(rows * sizeof(PostId)));
    if (!ids.flush()) return absl::InternalError("cannot write " + rows_path(partial));
  }
  {
    std::ofstream meta(meta_path(partial), std::ios::trunc);
    meta << kMetaHeader << "\n" << rows << " " << rows_digest(table, rows) << "\n";
    if (!meta.flush()) return absl::InternalError("cannot write " + meta_path(partial));
  }
  // The index and its row ids first, then its meta: a crash in between leaves files whose meta
  // does not match them, which the next start refuses (and rebuilds).
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (!error) std::filesystem::rename(rows_path(partial), rows_path(path), error);
  if (!error) std::filesystem::rename(meta_path(partial), meta_path(path), error);
  if (error) return absl::InternalError(fmt::format("cannot replace {}: {}", path, error.message()));
  return absl::OkStatus();
}

std::vector<PostId> saved_row_order(const std::string& path) {
  std::ifstream ids(rows_path(path), std::ios::binary | std::ios::ate);
  if (!ids) return {};
  const auto bytes = static_cast<std::size_t>(ids.tellg());
  if (bytes % sizeof(PostId) != 0) return {};
  std::vector<PostId> order(bytes / sizeof(PostId));
  ids.seekg(0);
  if (!ids.read(reinterpret_cast<char*>(order.data()), static_cast<std::streamsize>(bytes))) {
    return {};
  }
  return order;
}

absl::StatusOr<std::unique_ptr<kernels::VectorIndex>> load_saved_index(
    const std::string& path, const RetrievalOptions& options,
    const embeddings::EmbeddingTable& table) {
  std::ifstream meta(meta_path(path));
  if (!meta || !std::filesystem::exists(path)) {
    return absl::NotFoundError("no saved index at " + path);
  }
  std::string header;
  std::getline(meta, header);
  std::size_t rows = 0;
  std::uint64_t digest = 0;
  if (header != kMetaHeader || !(meta >> rows >> digest)) {
    return absl::FailedPreconditionError(meta_path(path) + " is not a feedrank index description");
  }
  if (rows > table.rows() || rows_digest(table, rows) != digest) {
    return absl::FailedPreconditionError(fmt::format(
        "the saved index covers other posts than the first {} rows of the table", rows));
  }
  auto index = kernels::load_faiss_index(path, table.dimension(), faiss_options(options));
  if (!index.ok()) return absl::FailedPreconditionError(index.status().message());
  if ((*index)->indexed_rows() != rows) {
    return absl::FailedPreconditionError(
        fmt::format("{} holds {} rows, its description says {}", path,
                    (*index)->indexed_rows(), rows));
  }
  return index;
}

}  // namespace feedrank::ranker
