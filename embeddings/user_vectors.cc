#include "embeddings/user_vectors.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>

#include "common/memory_bytes.h"
#include "embeddings/vector_dimension.h"
#include "embeddings/vector_norms.h"

namespace feedrank::embeddings {
namespace {

// Byte format, little-endian throughout:
//   "FRUV" | u8 version | u32 dimension | mean engaged | mean authored
//   mean := u8 present (0 or 1) [ | f64 weight | i64 as_of | dimension x f32 sum ]
// Floats travel as their bit patterns, so a restore is bit-identical.
constexpr std::string_view kMagic = "FRUV";
constexpr std::uint8_t kFormatVersion = 1;

// Writes fixed-size little-endian fields into a buffer the caller sized (user_state_bytes_at_most).
class Writer {
 public:
  explicit Writer(std::span<char> out) : out_(out) {}
  void put(std::uint64_t v, int bytes) {
    assert(written_ + static_cast<std::size_t>(bytes) <= out_.size());
    for (int i = 0; i < bytes; ++i) out_[written_++] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
  void put_bytes(std::span<const char> bytes) {
    assert(written_ + bytes.size() <= out_.size());
    std::copy(bytes.begin(), bytes.end(), out_.begin() + static_cast<std::ptrdiff_t>(written_));
    written_ += bytes.size();
  }
  std::size_t written() const { return written_; }

 private:
  std::span<char> out_;
  std::size_t written_ = 0;
};

// A present mean's bytes: u8, f64, i64 and the sum.
std::size_t mean_bytes(int dimension) {
  return 1 + 8 + 8 + 4 * static_cast<std::size_t>(dimension);
}

void put_mean(Writer& out, const DecayedMean& mean) {
  out.put(mean.empty() ? 0 : 1, 1);
  if (mean.empty()) return;
  out.put(std::bit_cast<std::uint64_t>(mean.weight()), 8);
  out.put(static_cast<std::uint64_t>(mean.as_of()), 8);
  // The floats' bytes as they lie (little-endian, as the store requires): a checkpoint copies
  // ~10,000 users' states, taking turns with the writes.
  static_assert(std::endian::native == std::endian::little);
  const std::span<const float> sum = mean.sum();
  out.put_bytes({reinterpret_cast<const char*>(sum.data()), sum.size_bytes()});
}

// Reads fixed-size little-endian fields; every read checks the remaining length.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool read(int size, std::uint64_t& v) {
    if (bytes_.size() < static_cast<std::size_t>(size)) return false;
    v = 0;
    for (int i = 0; i < size; ++i)
      v |= std::uint64_t{static_cast<unsigned char>(bytes_[i])} << (8 * i);
    bytes_.remove_prefix(size);
    return true;
  }
  std::string_view rest() const { return bytes_; }

 private:
  std::string_view bytes_;
};

absl::Status corrupt(std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("user vector state: {}", why));
}

absl::Status read_mean(Reader& reader, int dimension, DecayedMean& mean,
                       std::vector<float>& scratch) {
  std::uint64_t present = 0;
  if (!reader.read(1, present)) return corrupt("truncated");
  if (present == 0) {
    mean = DecayedMean();
    return absl::OkStatus();
  }
  if (present != 1) return corrupt(fmt::format("bad presence byte {}", present));
  std::uint64_t weight_bits = 0;
  std::uint64_t as_of_bits = 0;
  if (!reader.read(8, weight_bits) || !reader.read(8, as_of_bits)) return corrupt("truncated");
  const auto weight = std::bit_cast<double>(weight_bits);
  if (!std::isfinite(weight) || weight <= 0.0) {
    return corrupt(fmt::format("weight {} is not finite and positive", weight));
  }
  scratch.resize(dimension);
  for (float& x : scratch) {
    std::uint64_t bits = 0;
    if (!reader.read(4, bits)) return corrupt("truncated");
    x = std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    if (!std::isfinite(x)) return corrupt("non-finite vector component");
  }
  mean.assign(scratch, weight, static_cast<TimestampMs>(as_of_bits));
  return absl::OkStatus();
}

// A wrong-sized vector would read past the caller's buffer: fail loudly in every build type.
void check_size(std::span<const float> v, int dimension) {
  if (v.size() != static_cast<std::size_t>(dimension)) {
    std::fprintf(stderr, "UserVectorModel: vector of size %zu, dimension is %d\n", v.size(),
                 dimension);
    std::abort();
  }
}

}  // namespace

absl::StatusOr<UserVectorModel> UserVectorModel::create(UserVectorOptions options) {
  if (absl::Status status = validate_dimension(options.dimension); !status.ok()) return status;
  for (float w : options.kind_weights) {
    if (!std::isfinite(w) || w < 0.0f) {
      return absl::InvalidArgumentError(fmt::format("kind weight {} is negative or not finite", w));
    }
  }
  if (options.half_life_ms <= 0) {
    return absl::InvalidArgumentError(
        fmt::format("half-life {} ms is not positive", options.half_life_ms));
  }
  if (!(options.followee_blend >= 0.0f && options.followee_blend <= 1.0f)) {
    return absl::InvalidArgumentError(
        fmt::format("followee blend {} is outside [0, 1]", options.followee_blend));
  }
  return UserVectorModel(options);
}

void UserVectorModel::record_engagement(UserId user, EngagementKind kind,
                                        std::span<const float> post_vector, TimestampMs at) {
  check_size(post_vector, options_.dimension);
  const float weight = options_.kind_weights[static_cast<std::size_t>(kind)];
  if (weight <= 0.0f) return;
  users_[user].engaged.add(post_vector, weight, at, options_.half_life_ms);
}

namespace {

// Asks for the sum's values of the user's mean `which`, once the state's slot is in cache.
template <class States, class Which>
void prefetch_mean(const States& users, UserId user, PrefetchStep step, Which which) {
  if (step == PrefetchStep::kSlots) {
    users.prefetch(user);
    return;
  }
  if (const auto it = users.find(user); it != users.end()) {
    const std::span<const float> sum = which(it->second).sum();
    prefetch_bytes(sum.data(), sum.size_bytes());
  }
}

}  // namespace

void UserVectorModel::prefetch_for_post(UserId author, PrefetchStep step) const {
  prefetch_mean(users_, author, step, [](const UserState& state) -> const DecayedMean& {
    return state.authored;
  });
}

void UserVectorModel::prefetch_for_engagement(UserId user, PrefetchStep step) const {
  prefetch_mean(users_, user, step, [](const UserState& state) -> const DecayedMean& {
    return state.engaged;
  });
}

void UserVectorModel::record_post(UserId author, std::span<const float> post_vector,
                                  TimestampMs at) {
  check_size(post_vector, options_.dimension);
  users_[author].authored.add(post_vector, 1.0, at, options_.half_life_ms);
}

void UserVectorModel::user_vector(UserId user, std::span<const UserId> followees, TimestampMs now,
                                  std::span<float> out) const {
  // Followees' part: their decayed sums pooled at `now`, i.e. the decayed mean of all their
  // recent posts together, so a followee who posts often and recently counts for more. Only its
  // direction matters below, so the pooled weight is not divided out, and the pool is kept at
  // the newest followee's time instead of `now` (the same relative weights): decayed to a `now`
  // years later, every sum would underflow float and leave no direction at all.
  check_size(out, options_.dimension);
  std::fill(out.begin(), out.end(), 0.0f);
  // With many followees each one's state is a cache miss; looking up a batch first and
  // prefetching all of its sums lets those misses overlap instead of queueing one by one.
  constexpr std::size_t kBatch = 16;
  std::array<const DecayedMean*, kBatch> batch;
  std::optional<TimestampMs> pooled_at;  // the time `out` is expressed at
  for (std::size_t start = 0; start < followees.size(); start += kBatch) {
    std::size_t found = 0;
    for (UserId followee : followees.subspan(start, std::min(kBatch, followees.size() - start))) {
      const auto it = users_.find(followee);
      if (it == users_.end() || it->second.authored.empty()) continue;
      batch[found++] = &it->second.authored;
      const std::span<const float> sum = it->second.authored.sum();
      for (std::size_t i = 0; i < sum.size(); i += 64 / sizeof(float)) {
        __builtin_prefetch(sum.data() + i);
      }
    }
    for (std::size_t k = 0; k < found; ++k) {
      const TimestampMs at = std::min(now, batch[k]->as_of());
      if (!pooled_at || at > *pooled_at) {
        if (pooled_at) {
          const auto f = static_cast<float>(decay_factor(at - *pooled_at, options_.half_life_ms));
          for (float& x : out) x *= f;
        }
        pooled_at = at;
      }
      batch[k]->accumulate_at(*pooled_at, options_.half_life_ms, out);
    }
  }
  // Each part is normalised before blending so that followee_blend is the share of direction,
  // whatever the spread (and so the norm) of either mean.
  const float followee_norm = l2_norm(out);
  const auto user_it = users_.find(user);
  const DecayedMean* engaged = user_it == users_.end() ? nullptr : &user_it->second.engaged;
  const float engaged_norm =
      engaged == nullptr || engaged->empty() ? 0.0f : l2_norm(engaged->sum());

  // isnormal: 1 / a subnormal norm is infinite, and 0 x infinity would put NaN in the vector.
  float followee_scale = std::isnormal(followee_norm) ? 1.0f / followee_norm : 0.0f;
  float engaged_scale = 0.0f;
  if (std::isnormal(engaged_norm)) {
    const float blend = followee_scale > 0.0f ? options_.followee_blend : 0.0f;
    followee_scale *= blend;
    engaged_scale = (1.0f - blend) / engaged_norm;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] *= followee_scale;
    if (engaged_scale > 0.0f) out[i] += engaged_scale * engaged->sum()[i];
  }
  const float norm = l2_norm(out);
  if (norm > 0.0f) {
    for (float& x : out) x /= norm;
  }
}

std::vector<float> UserVectorModel::user_vector(UserId user, std::span<const UserId> followees,
                                                TimestampMs now) const {
  std::vector<float> out(options_.dimension);
  user_vector(user, followees, now, out);
  return out;
}

void UserVectorModel::for_each_user(absl::FunctionRef<void(UserId)> fn) const {
  for (const auto& [user, state] : users_) fn(user);
}

std::size_t UserVectorModel::user_state_bytes_at_most() const {
  return kMagic.size() + 1 + 4 + 2 * mean_bytes(options_.dimension);
}

std::size_t UserVectorModel::write_user_state(UserId user, std::span<char> out) const {
  assert(out.size() >= user_state_bytes_at_most());
  Writer writer(out);
  writer.put_bytes(kMagic);
  writer.put(kFormatVersion, 1);
  writer.put(static_cast<std::uint32_t>(options_.dimension), 4);
  const auto it = users_.find(user);
  const UserState empty_state;
  const UserState& state = it == users_.end() ? empty_state : it->second;
  put_mean(writer, state.engaged);
  put_mean(writer, state.authored);
  return writer.written();
}

std::string UserVectorModel::serialize_user(UserId user) const {
  std::string out(user_state_bytes_at_most(), '\0');
  out.resize(write_user_state(user, out));
  return out;
}

absl::Status UserVectorModel::restore_user(UserId user, std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return corrupt("missing FRUV magic");
  Reader reader(bytes.substr(kMagic.size()));
  std::uint64_t version = 0;
  std::uint64_t dimension = 0;
  if (!reader.read(1, version) || !reader.read(4, dimension)) return corrupt("truncated");
  if (version != kFormatVersion) {
    return corrupt(fmt::format("format version {}, expected {}", version, kFormatVersion));
  }
  if (dimension != static_cast<std::uint64_t>(options_.dimension)) {
    return corrupt(fmt::format("dimension {}, expected {}", dimension, options_.dimension));
  }
  UserState state;
  std::vector<float> scratch;
  if (absl::Status s = read_mean(reader, options_.dimension, state.engaged, scratch); !s.ok()) {
    return s;
  }
  if (absl::Status s = read_mean(reader, options_.dimension, state.authored, scratch); !s.ok()) {
    return s;
  }
  if (!reader.rest().empty()) {
    return corrupt(fmt::format("{} trailing bytes", reader.rest().size()));
  }
  if (state.engaged.empty() && state.authored.empty()) {
    users_.erase(user);
  } else {
    users_[user] = std::move(state);
  }
  return absl::OkStatus();
}

std::size_t UserVectorModel::memory_bytes() const {
  std::size_t bytes = table_bytes(users_);
  for (const auto& [user, state] : users_) {
    bytes +=
        state.engaged.sum().size() * sizeof(float) + state.authored.sum().size() * sizeof(float);
  }
  return bytes;
}

}  // namespace feedrank::embeddings
