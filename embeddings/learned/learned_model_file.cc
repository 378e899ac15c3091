// LearnedModel's file: a header line, then the model's parts as little-endian binary, then an
// XXH3-64 of everything before it. Written to a temporary file, flushed to disk and renamed, so a
// crash leaves the old file or the new one, never half of one.
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "embeddings/learned/learned_model.h"

namespace feedrank::embeddings {
namespace {

constexpr std::string_view kHeader = "feedrank learned model v1\n";

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* bytes = reinterpret_cast<const char*>(&value);
    out_.append(bytes, sizeof(T));
  }
  template <typename T>
  void put_vector(const std::vector<T>& values) {
    put<std::uint64_t>(values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  void put_string(const std::string& s) { put_vector(std::vector<char>(s.begin(), s.end())); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  bool get(T& value) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(&value, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  template <typename T>
  bool get_vector(std::vector<T>& values) {
    std::uint64_t n = 0;
    if (!get(n) || n > in_.size() / sizeof(T)) return false;
    values.resize(n);
    std::memcpy(values.data(), in_.data(), n * sizeof(T));
    in_.remove_prefix(n * sizeof(T));
    return true;
  }
  bool get_string(std::string& s) {
    std::vector<char> chars;
    if (!get_vector(chars)) return false;
    s.assign(chars.begin(), chars.end());
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

absl::Status write_durably(const std::string& path, const std::string& bytes) {
  const std::string partial = path + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError("cannot create " + partial + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return absl::InternalError("cannot write " + partial + ": " + why);
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return absl::InternalError("cannot sync " + partial + ": " + std::strerror(errno));
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) return absl::InternalError("cannot replace " + path + ": " + error.message());
  // The rename itself is durable once the directory is.
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int dir = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LearnedModel::save(const std::string& path) const {
  Writer w;
  w.bytes().append(kHeader);
  w.put(dimension_);
  w.put(info_.version);
  w.put(info_.trained_through);
  w.put(info_.trained_at);
  w.put(info_.users);
  w.put(info_.posts);
  w.put(info_.entries);
  w.put(info_.iterations);
  w.put(static_cast<std::uint8_t>(info_.converged));
  w.put(info_.final_loss);
  w.put(info_.train_seconds);
  w.put_string(info_.backend);
  w.put_vector(users_);
  w.put_vector(user_factors_);
  w.put_vector(user_engagements_);
  w.put_vector(posts_);
  w.put_vector(post_factors_);
  w.put_vector(post_gram_);
  w.put_vector(text_projection_);
  std::vector<UserId> authors;
  for (const auto& [author, mean] : author_means_) authors.push_back(author);
  std::sort(authors.begin(), authors.end());
  std::vector<float> means;
  for (UserId author : authors) {
    const auto& mean = author_means_.at(author);
    means.insert(means.end(), mean.begin(), mean.end());
  }
  w.put_vector(authors);
  w.put_vector(means);
  w.put(XXH3_64bits(w.bytes().data(), w.bytes().size()));
  return write_durably(path, w.bytes());
}

absl::StatusOr<std::shared_ptr<const LearnedModel>> LearnedModel::load(
    const std::string& path, const LearnedModelOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("no learned model at " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto corrupt = [&](std::string_view why) {
    return absl::DataLossError(path + " is not a usable learned model: " + std::string(why));
  };
  if (bytes.size() < kHeader.size() + sizeof(std::uint64_t) || !bytes.starts_with(kHeader)) {
    return corrupt("no feedrank learned model header");
  }
  const std::size_t body = bytes.size() - sizeof(std::uint64_t);
  std::uint64_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + body, sizeof checksum);
  if (XXH3_64bits(bytes.data(), body) != checksum) return corrupt("checksum mismatch");

  std::shared_ptr<LearnedModel> model(new LearnedModel());
  model->options_ = options;
  LearnedModelInfo& info = model->info_;
  Reader r(std::string_view(bytes).substr(kHeader.size(), body - kHeader.size()));
  std::uint8_t converged = 0;
  std::vector<UserId> authors;
  std::vector<float> means;
  const bool read = r.get(model->dimension_) && r.get(info.version) &&
                    r.get(info.trained_through) && r.get(info.trained_at) && r.get(info.users) &&
                    r.get(info.posts) && r.get(info.entries) && r.get(info.iterations) &&
                    r.get(converged) && r.get(info.final_loss) && r.get(info.train_seconds) &&
                    r.get_string(info.backend) && r.get_vector(model->users_) &&
                    r.get_vector(model->user_factors_) &&
                    r.get_vector(model->user_engagements_) && r.get_vector(model->posts_) &&
                    r.get_vector(model->post_factors_) && r.get_vector(model->post_gram_) &&
                    r.get_vector(model->text_projection_) && r.get_vector(authors) &&
                    r.get_vector(means) && r.done();
  if (!read) return corrupt("truncated or malformed");
  info.converged = converged != 0;
  const auto d = static_cast<std::size_t>(model->dimension_);
  if (model->dimension_ != options.als.factors) {
    return absl::FailedPreconditionError(
        path + " holds factors of dimension " + std::to_string(model->dimension_) +
        ", the server's is " + std::to_string(options.als.factors));
  }
  if (model->user_factors_.size() != model->users_.size() * d ||
      model->user_engagements_.size() != model->users_.size() ||
      model->post_factors_.size() != model->posts_.size() * d ||
      model->post_gram_.size() != d * d || model->text_projection_.size() != d * d ||
      means.size() != authors.size() * d) {
    return corrupt("sizes do not match the dimension");
  }
  for (std::size_t a = 0; a < authors.size(); ++a) {
    model->author_means_.emplace(authors[a],
                                 std::vector<float>(means.begin() + a * d, means.begin() + (a + 1) * d));
  }
  return std::shared_ptr<const LearnedModel>(std::move(model));
}

}  // namespace feedrank::embeddings
