#include "store/rocksdb_info_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace feedrank::store {

class InfoLog::State {
 public:
  State(std::filesystem::path path, std::size_t roll_bytes)
      : path_(std::move(path)), roll_bytes_(roll_bytes) {
    open_locked();
  }
  ~State() { close_locked(); }

  void write(const char* line, std::size_t length) {
    std::lock_guard lock(mutex_);
    if (size_ + length > roll_bytes_ && size_ > 0) roll_locked();
    // A LOG that could not be opened (no descriptor left, no room) is tried again, at most once
    // a second, so that logging comes back with the resource.
    if (fd_ < 0 && std::chrono::steady_clock::now() - opened_at_ >= std::chrono::seconds(1)) {
      open_locked();
    }
    const ssize_t written = fd_ >= 0 ? ::write(fd_, line, length) : -1;
    if (written == static_cast<ssize_t>(length)) {
      size_ += length;
      return;
    }
    ++dropped_;
    if (written > 0) {  // part of the line landed: ended, so that the next starts on its own
      size_ += static_cast<std::size_t>(written);
      if (::write(fd_, "\n", 1) == 1) ++size_;
    }
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return size_;
  }
  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  void close() {
    std::lock_guard lock(mutex_);
    close_locked();
  }

 private:
  void open_locked() {
    opened_at_ = std::chrono::steady_clock::now();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    struct stat info{};
    size_ = fd_ >= 0 && ::fstat(fd_, &info) == 0 ? static_cast<std::size_t>(info.st_size) : 0;
  }
  void close_locked() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // LOG becomes LOG.old (replacing the one before), and a new LOG starts.
  void roll_locked() {
    close_locked();
    std::error_code ignored;  // a failed rename appends to the same LOG again
    std::filesystem::rename(path_, path_.string() + ".old", ignored);
    open_locked();
  }

  const std::filesystem::path path_;
  const std::size_t roll_bytes_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point opened_at_;  // of the last open tried
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

InfoLog::InfoLog(const std::filesystem::path& directory, std::size_t roll_bytes)
    : state_(std::make_unique<State>(directory / "LOG", roll_bytes)) {}

InfoLog::~InfoLog() = default;

void InfoLog::Logv(const char* format, va_list ap) {
  // RocksDB's own line format: local time to the microsecond and the thread, then the message.
  char line[8192];
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  std::tm local{};
  localtime_r(&seconds, &local);
  int length = std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06lld %lx ",
                             local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                             local.tm_min, local.tm_sec, static_cast<long long>(micros),
                             static_cast<unsigned long>(::syscall(SYS_gettid)));
  const int room = static_cast<int>(sizeof line) - length - 1;  // keeps a byte for the newline
  const int message = std::vsnprintf(line + length, static_cast<std::size_t>(room) + 1, format, ap);
  length += message < 0 ? 0 : std::min(message, room);  // a longer message is cut
  if (length == 0 || line[length - 1] != '\n') line[length++] = '\n';
  state_->write(line, static_cast<std::size_t>(length));
}

std::size_t InfoLog::GetLogFileSize() const { return state_->size(); }

std::uint64_t InfoLog::dropped_lines() const { return state_->dropped(); }

rocksdb::Status InfoLog::CloseImpl() {
  state_->close();
  return rocksdb::Status::OK();
}

}  // namespace feedrank::store
