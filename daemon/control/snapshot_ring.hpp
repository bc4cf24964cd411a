// Single-writer, many-reader ring of per-tick values. The writer never waits; each slot is
// a seqlock whose payload is copied word by word through atomics, so a reader that races the
// writer sees a torn copy only to throw it away. A reader that falls more than the ring
// behind skips ahead and counts what it lost.
//
// No fences: each payload word is stored with release and loaded with acquire, so a reader
// that sees any word of a write also sees the odd sequence number written before it (Boehm,
// "Can seqlocks get along with programming language memory models?", 2012). On x86 these are
// plain moves; ThreadSanitizer, which does not model fences, understands it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace dermad::control {

template <typename T>
class SeqlockCell {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

 public:
  void store(const T& v) {
    std::array<uint64_t, kWords> buf{};
    std::memcpy(buf.data(), &v, sizeof(T));
    const uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < kWords; ++i) words_[i].store(buf[i], std::memory_order_release);
    seq_.store(s + 2, std::memory_order_release);
  }

  // False if a write was in progress or happened during the copy.
  bool try_load(T& out) const {
    const uint64_t s1 = seq_.load(std::memory_order_acquire);
    if (s1 & 1) return false;
    std::array<uint64_t, kWords> buf;
    for (std::size_t i = 0; i < kWords; ++i) buf[i] = words_[i].load(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != s1) return false;
    std::memcpy(static_cast<void*>(&out), buf.data(), sizeof(T));
    return true;
  }

 private:
  std::atomic<uint64_t> seq_{0};
  std::array<std::atomic<uint64_t>, kWords> words_{};
};

template <typename T, std::size_t N>
class SnapshotRing {
  static_assert((N & (N - 1)) == 0, "capacity must be a power of two");

 public:
  static constexpr std::size_t kCapacity = N;

  // Writer only.
  void publish(const T& v) {
    const uint64_t h = head_.load(std::memory_order_relaxed);
    // Invalidate first: a reader that sees the new payload must not see the old index.
    slots_[h & (N - 1)].index.store(~uint64_t{0}, std::memory_order_relaxed);
    slots_[h & (N - 1)].cell.store(v);
    slots_[h & (N - 1)].index.store(h, std::memory_order_release);
    head_.store(h + 1, std::memory_order_release);
  }

  // Number of values published so far; the next one gets this index.
  uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // The newest value; false before the first publish.
  bool latest(T& out) const {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const uint64_t h = head();
      if (h == 0) return false;
      if (read_at(h - 1, out)) return true;
    }
    return false;
  }

  // Reads the value at `cursor` and advances it. Returns false when there is nothing new.
  // If the writer has lapped the reader, skips to the oldest safe value and adds the number
  // of values skipped to `lost`.
  bool next(uint64_t& cursor, T& out, uint64_t& lost) const {
    for (;;) {
      const uint64_t h = head();
      if (cursor >= h) return false;
      // Keep a margin so the slot we read is not the one being overwritten.
      const uint64_t oldest = h > N - kMargin ? h - (N - kMargin) : 0;
      if (cursor < oldest) {
        lost += oldest - cursor;
        cursor = oldest;
      }
      if (read_at(cursor, out)) {
        ++cursor;
        return true;
      }
      // Overwritten or being written under us: the writer lapped us; go round again.
      if (cursor < head()) continue;
      return false;
    }
  }

 private:
  static constexpr uint64_t kMargin = N / 8 > 0 ? N / 8 : 1;

  bool read_at(uint64_t index, T& out) const {
    const Slot& s = slots_[index & (N - 1)];
    if (s.index.load(std::memory_order_acquire) != index) return false;
    if (!s.cell.try_load(out)) return false;
    return s.index.load(std::memory_order_acquire) == index;
  }

  struct Slot {
    std::atomic<uint64_t> index{~uint64_t{0}};
    SeqlockCell<T> cell;
  };
  std::array<Slot, N> slots_{};
  std::atomic<uint64_t> head_{0};
};

}  // namespace dermad::control
