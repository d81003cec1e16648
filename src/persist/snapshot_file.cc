#include "persist/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sluice::persist {
namespace {

constexpr size_t kMagicBytes = sizeof(kSnapshotMagic) - 1;
constexpr size_t kHeaderBytes = kMagicBytes + sizeof(uint32_t);
constexpr uint32_t kEndMarker = 0xFFFFFFFF;
constexpr size_t kTrailerBytes = sizeof(uint32_t) + sizeof(uint64_t) + sizeof(uint32_t);
constexpr size_t kFlushBytes = 1 << 20;

std::string ErrnoText() { return std::strerror(errno); }

template <typename T>
void Append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

// Reads fixed-size values and byte runs off a buffer; any read past its end fails the reader.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  bool Read(T& value) {
    if (bytes_.size() < sizeof(T)) return false;
    std::memcpy(&value, bytes_.data(), sizeof(T));
    bytes_.remove_prefix(sizeof(T));
    return true;
  }
  bool Read(size_t n, std::string_view& out) {
    if (bytes_.size() < n) return false;
    out = bytes_.substr(0, n);
    bytes_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view bytes_;
};

// Writes a file through a buffer, keeping the CRC-32 of what it wrote.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}

  std::string& buffer() { return buffer_; }

  // Writes the buffer out once it is large, or always with `force`. False on an I/O error.
  bool Flush(bool force = false) {
    if (!force && buffer_.size() < kFlushBytes) return true;
    crc_ = crc32_z(crc_, reinterpret_cast<const Bytef*>(buffer_.data()), buffer_.size());
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    bytes_ += buffer_.size();
    buffer_.clear();
    return true;
  }

  uint32_t crc() const { return static_cast<uint32_t>(crc_); }
  uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  std::string buffer_;
  uLong crc_ = crc32_z(0, nullptr, 0);
  uint64_t bytes_ = 0;
};

// Reads the whole file; an empty optional-like flag `missing` when it does not exist.
Status ReadFile(const std::string& path, std::string& out, bool& missing) {
  missing = false;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      missing = true;
      return Status::Ok();
    }
    return Status::Error("snapshot '" + path + "' is unreadable: " + ErrnoText());
  }
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = ErrnoText();
      close(fd);
      return Status::Error("snapshot '" + path + "' is unreadable: " + why);
    }
    if (n == 0) break;
    out.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  return Status::Ok();
}

// The items of a whole, verified snapshot, as views into `bytes`; an error names the fault.
Status Parse(const std::string& path, std::string_view bytes, std::vector<StoredItemView>& items) {
  auto fault = [&path](const std::string& what) {
    return Status::Error("snapshot '" + path + "' " + what);
  };
  const std::string_view magic(kSnapshotMagic, kMagicBytes);
  if (bytes.substr(0, kMagicBytes) != magic.substr(0, std::min(bytes.size(), kMagicBytes))) {
    return fault("is not a Sluice snapshot (no SLUICESN header)");
  }
  if (bytes.size() < kHeaderBytes) return fault("is truncated (" + std::to_string(bytes.size()) + " bytes)");
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + kMagicBytes, sizeof(version));
  if (version != kSnapshotFormat) {
    return fault("has format version " + std::to_string(version) + "; this build reads version " +
                 std::to_string(kSnapshotFormat));
  }
  uint32_t marker = 0;
  if (bytes.size() >= kHeaderBytes + kTrailerBytes) {
    std::memcpy(&marker, bytes.data() + bytes.size() - kTrailerBytes, sizeof(marker));
  }
  if (marker != kEndMarker) {
    return fault("is truncated (no end marker; " + std::to_string(bytes.size()) + " bytes)");
  }
  uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + bytes.size() - sizeof(crc), sizeof(crc));
  const size_t covered = bytes.size() - sizeof(crc);
  if (crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()), covered) !=
      crc) {
    return fault("is corrupt (checksum mismatch)");
  }
  uint64_t count = 0;
  std::memcpy(&count, bytes.data() + covered - sizeof(count), sizeof(count));
  Reader reader(bytes.substr(kHeaderBytes, bytes.size() - kHeaderBytes - kTrailerBytes));
  for (;;) {
    uint32_t key_size = 0;
    if (!reader.Read(key_size)) break;
    StoredItemView item;
    uint32_t state_size = 0;
    if (!reader.Read(key_size, item.key) || !reader.Read(item.expire_at) ||
        !reader.Read(item.duration) || !reader.Read(state_size) ||
        !reader.Read(state_size, item.state)) {
      return fault("is corrupt (record " + std::to_string(items.size() + 1) + " runs past the end)");
    }
    items.push_back(item);
  }
  if (items.size() != count) {
    return fault("is corrupt (" + std::to_string(items.size()) + " records, the trailer says " +
                 std::to_string(count) + ")");
  }
  return Status::Ok();
}

// fsync of the directory holding `path`, so a rename into it survives a crash.
bool SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

}  // namespace

Status SnapshotFile::Load(const ItemSink& add) {
  std::string bytes;
  bool missing = false;
  if (Status s = ReadFile(path_, bytes, missing); !s.ok() || missing) return s;
  std::vector<StoredItemView> items;
  if (Status s = Parse(path_, bytes, items); !s.ok()) return s;
  for (const StoredItemView& item : items) add(item);
  last_bytes_.store(bytes.size(), std::memory_order_relaxed);
  last_items_.store(items.size(), std::memory_order_relaxed);
  return Status::Ok();
}

Status SnapshotFile::Save(const std::function<void(const ItemSink&)>& for_each) {
  const auto start = std::chrono::steady_clock::now();
  const std::string temp = path_ + ".tmp";
  auto failed = [&](const std::string& what) {
    save_errors_.fetch_add(1, std::memory_order_relaxed);
    std::remove(temp.c_str());
    return Status::Error("snapshot '" + path_ + "' not written: " + what);
  };
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed("cannot create '" + temp + "': " + ErrnoText());
  Writer writer(fd);
  writer.buffer().append(kSnapshotMagic, kMagicBytes);
  Append(writer.buffer(), kSnapshotFormat);
  uint64_t count = 0;
  bool io_ok = true;
  for_each([&](const StoredItemView& item) {
    std::string& out = writer.buffer();
    Append(out, static_cast<uint32_t>(item.key.size()));
    out.append(item.key);
    Append(out, item.expire_at);
    Append(out, item.duration);
    Append(out, static_cast<uint32_t>(item.state.size()));
    out.append(item.state);
    ++count;
    io_ok = io_ok && writer.Flush();
  });
  Append(writer.buffer(), kEndMarker);
  Append(writer.buffer(), count);
  io_ok = io_ok && writer.Flush(/*force=*/true);
  std::string trailer;
  Append(trailer, writer.crc());
  writer.buffer() = trailer;
  io_ok = io_ok && writer.Flush(/*force=*/true);
  if (!io_ok) {
    const std::string why = ErrnoText();
    close(fd);
    return failed("writing '" + temp + "': " + why);
  }
  if (fsync(fd) != 0) {
    const std::string why = ErrnoText();
    close(fd);
    return failed("fsync of '" + temp + "': " + why);
  }
  close(fd);
  if (std::rename(temp.c_str(), path_.c_str()) != 0) {
    return failed("rename of '" + temp + "': " + ErrnoText());
  }
  if (!SyncDirectoryOf(path_)) return failed("fsync of its directory: " + ErrnoText());
  saves_.fetch_add(1, std::memory_order_relaxed);
  last_bytes_.store(writer.bytes(), std::memory_order_relaxed);
  last_items_.store(count, std::memory_order_relaxed);
  last_save_seconds_.store(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      std::memory_order_relaxed);
  return Status::Ok();
}

SnapshotStats SnapshotFile::Stats() const {
  return SnapshotStats{.saves = saves_.load(std::memory_order_relaxed),
                       .save_errors = save_errors_.load(std::memory_order_relaxed),
                       .last_bytes = last_bytes_.load(std::memory_order_relaxed),
                       .last_items = last_items_.load(std::memory_order_relaxed),
                       .last_save_seconds = last_save_seconds_.load(std::memory_order_relaxed)};
}
}  // namespace sluice::persist
