#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "daemon/control/mpmc_queue.hpp"
#include "daemon/control/snapshot_ring.hpp"

namespace dermad::control {
namespace {

TEST(MpmcQueue, RefusesWhenFullInsteadOfBlocking) {
  MpmcQueue<int, 4> q;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));
  int v = -1;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(q.try_pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.try_pop(v));
}

TEST(MpmcQueue, ManyProducersOneConsumerLoseNothing) {
  MpmcQueue<uint64_t, 64> q;
  constexpr int kProducers = 4, kEach = 20000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kEach; ++i) {
        while (!q.try_push(static_cast<uint64_t>(p) * kEach + i)) std::this_thread::yield();
      }
    });
  }
  uint64_t sum = 0, count = 0, v = 0;
  while (count < kProducers * kEach) {
    if (q.try_pop(v)) {
      sum += v;
      ++count;
    }
  }
  for (auto& t : producers) t.join();
  const uint64_t n = kProducers * kEach;
  EXPECT_EQ(sum, n * (n - 1) / 2);
}

struct Sample {
  uint64_t a, b, c;  // a torn read would show a != b or b != c
};

TEST(SnapshotRing, ReaderThatFallsBehindSkipsAndCountsTheLoss) {
  SnapshotRing<Sample, 16> ring;
  uint64_t cursor = 0, lost = 0;
  Sample s{};
  for (uint64_t i = 0; i < 100; ++i) ring.publish({i, i, i});
  ASSERT_TRUE(ring.next(cursor, s, lost));
  EXPECT_EQ(lost, 100u - 14u);  // everything but the newest 14 (ring less margin)
  EXPECT_EQ(s.a, 86u);
  uint64_t got = 1;
  while (ring.next(cursor, s, lost)) ++got;
  EXPECT_EQ(got + lost, 100u);
  ASSERT_TRUE(ring.latest(s));
  EXPECT_EQ(s.a, 99u);
}

TEST(SnapshotRing, ConcurrentReaderNeverSeesATornValue) {
  SnapshotRing<Sample, 64> ring;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t i = 0; i < 200000; ++i) ring.publish({i, i, i});
    done = true;
  });
  uint64_t cursor = 0, lost = 0, read = 0, last = 0;
  Sample s{};
  for (;;) {
    const bool finished = done.load();
    if (ring.next(cursor, s, lost)) {
      ASSERT_EQ(s.a, s.b);
      ASSERT_EQ(s.b, s.c);
      if (read > 0) {
        ASSERT_GT(s.a, last);
      }
      last = s.a;
      ++read;
      continue;
    }
    if (finished) break;
  }
  writer.join();
  EXPECT_EQ(read + lost, 200000u);
}

}  // namespace
}  // namespace dermad::control
