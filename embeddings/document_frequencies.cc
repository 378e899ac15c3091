#include "embeddings/document_frequencies.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/memory_bytes.h"

namespace feedrank::embeddings {
namespace {

constexpr unsigned char kFormatVersion = 1;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

bool get_varint(std::string_view& in, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    value |= std::uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

void DocumentFrequencies::add_document(std::span<const TextFeature> features) {
  ++documents_;
  for (const TextFeature& feature : features) prefetch(feature.key);
  for (const TextFeature& feature : features) ++frequencies_[feature.key];
}

void DocumentFrequencies::add_document(std::span<const TextFeature> features,
                                       std::span<const std::uint64_t*> counts) {
  ++documents_;
  for (const TextFeature& feature : features) prefetch(feature.key);
  for (std::size_t i = 0; i < features.size(); ++i) {
    std::uint64_t& count = frequencies_[features[i].key];
    ++count;
    counts[i] = &count;
  }
}

void DocumentFrequencies::remove_document(std::span<const TextFeature> features) {
  if (documents_ > 0) --documents_;
  for (const TextFeature& feature : features) {
    auto it = frequencies_.find(feature.key);
    if (it == frequencies_.end()) continue;
    if (--it->second == 0) frequencies_.erase(it);
  }
}

void DocumentFrequencies::merge(const DocumentFrequencies& other) {
  documents_ += other.documents_;
  for (const auto& [key, count] : other.frequencies_) frequencies_[key] += count;
}

std::uint64_t DocumentFrequencies::frequency(std::uint64_t key) const {
  const auto it = frequencies_.find(key);
  return it == frequencies_.end() ? 0 : it->second;
}

double DocumentFrequencies::idf_of(std::uint64_t documents, std::uint64_t frequency) {
  return std::log((1.0 + static_cast<double>(documents)) / (1.0 + static_cast<double>(frequency))) +
         1.0;
}

std::string DocumentFrequencies::serialize() const {
  // Sorted so that the bytes do not depend on the hash table's iteration order.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> entries(frequencies_.begin(),
                                                               frequencies_.end());
  std::sort(entries.begin(), entries.end());
  std::string out;
  out.reserve(16 + entries.size() * 6);
  out += static_cast<char>(kFormatVersion);
  put_varint(out, documents_);
  put_varint(out, entries.size());
  std::uint64_t previous = 0;
  for (const auto& [key, count] : entries) {
    put_varint(out, key - previous);
    put_varint(out, count);
    previous = key;
  }
  return out;
}

absl::StatusOr<DocumentFrequencies> DocumentFrequencies::deserialize(std::string_view bytes) {
  if (bytes.empty() || static_cast<unsigned char>(bytes.front()) != kFormatVersion) {
    return absl::DataLossError("document frequencies: unknown format version");
  }
  bytes.remove_prefix(1);
  DocumentFrequencies table;
  std::uint64_t entries = 0;
  if (!get_varint(bytes, table.documents_) || !get_varint(bytes, entries)) {
    return absl::DataLossError("document frequencies: truncated header");
  }
  // Each entry takes at least two bytes; checking first keeps a corrupt count from reserving
  // absurd amounts of memory.
  if (entries > bytes.size() / 2) {
    return absl::DataLossError("document frequencies: entry count exceeds the data");
  }
  table.frequencies_.reserve(entries);
  std::uint64_t key = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    std::uint64_t delta = 0;
    std::uint64_t count = 0;
    if (!get_varint(bytes, delta) || !get_varint(bytes, count)) {
      return absl::DataLossError("document frequencies: truncated entry");
    }
    if (i > 0 && delta == 0) return absl::DataLossError("document frequencies: repeated key");
    key += delta;
    table.frequencies_[key] = count;
  }
  if (!bytes.empty()) return absl::DataLossError("document frequencies: trailing bytes");
  return table;
}

std::size_t DocumentFrequencies::memory_bytes() const { return table_bytes(frequencies_); }

}  // namespace feedrank::embeddings
