// Crash test: a forked child appends batches and acknowledges each one on a pipe; the parent
// SIGKILLs it after a random number of acknowledgements, reopens the log and checks that every
// acknowledged batch is there, with valid CRCs, contiguous offsets and the content written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "storage/partition_log.h"
#include "storage_test_util.h"

using namespace refbroker::storage;
using namespace storage_test;
using kafka::BatchHeader;

namespace {

LogConfig crash_config() {
  LogConfig c;
  c.segment_bytes = 128 * 1024;
  c.index_interval_bytes = 1024;
  c.segment_index_bytes = 64 * 1024;
  c.retention_ms = -1;
  c.fsync = false;  // SIGKILL loses no page-cache data; fsync only matters for power loss
  return c;
}

struct Ack {
  int64_t base_offset;
  int64_t last_offset;
  uint32_t size;
};

[[noreturn]] void child_append_forever(const std::filesystem::path& dir, int ack_fd, uint32_t seed) {
  auto log = PartitionLog::open(dir, crash_config());
  if (!log.ok()) _exit(2);
  std::mt19937 rng(seed);
  for (;;) {
    int64_t next = (*log)->log_end_offset();
    auto b = make_batch({.records = static_cast<int>(1 + rng() % 8),
                         .value_size = 20 + rng() % 300,
                         .base_timestamp = 1'700'000'000'000 + next,
                         .fill = static_cast<uint8_t>('a' + next % 26)});
    auto r = (*log)->append(b);
    if (!r.ok() || r->base_offset != next) _exit(3);
    Ack a{r->base_offset, r->last_offset, static_cast<uint32_t>(b.size())};
    if (::write(ack_fd, &a, sizeof a) != sizeof a) _exit(4);
  }
}

}  // namespace

TEST(StorageCrash, SigkilledWriterLosesNoAcknowledgedBatch) {
  TempDir d;
  auto dir = d.path / "crash-0";
  uint32_t seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  int64_t acked_end = 0;  // one past the last acknowledged offset
  std::vector<Ack> acks;

  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_append_forever(dir, fds[1], seed + static_cast<uint32_t>(round));
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements: the child is mid-append at that moment.
    size_t target = 1 + rng() % 2500, seen = 0;
    Ack a;
    while (seen < target && ::read(fds[0], &a, sizeof a) == sizeof a) {
      acks.push_back(a);
      ++seen;
    }
    ASSERT_EQ(seen, target) << "child died early";
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &a, sizeof a) == sizeof a) acks.push_back(a);  // acks sent before death
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exit status " << status;
    acked_end = acks.back().last_offset + 1;

    auto opened = PartitionLog::open(dir, crash_config());
    ASSERT_TRUE(opened.ok()) << opened.message();
    auto& log = *opened;
    EXPECT_FALSE(log->recovery_stats().clean_shutdown);
    ASSERT_GE(log->log_end_offset(), acked_end);

    // Walk the whole log: framing, CRCs, contiguous offsets, content.
    size_t ack_i = 0;
    int64_t next = 0;
    while (next < log->log_end_offset()) {
      std::vector<uint8_t> buf;
      auto r = log->read_into(next, 256 * 1024, INT64_MAX, buf);
      ASSERT_TRUE(r.ok()) << r.message();
      ASSERT_FALSE(buf.empty());
      std::vector<BatchHeader> hs;
      ASSERT_TRUE(split_batches(buf.data(), buf.size(), hs)) << "bad batch near offset " << next;
      size_t pos = 0;
      for (auto& h : hs) {
        ASSERT_EQ(h.base_offset, next);
        ASSERT_EQ(buf[pos + h.total_size() - 2], static_cast<uint8_t>('a' + h.base_offset % 26));
        if (ack_i < acks.size()) {
          ASSERT_EQ(acks[ack_i].base_offset, h.base_offset);
          ASSERT_EQ(acks[ack_i].last_offset, h.last_offset());
          ASSERT_EQ(acks[ack_i].size, h.total_size());
          ++ack_i;
        }
        next = h.last_offset() + 1;
        pos += h.total_size();
      }
    }
    EXPECT_EQ(ack_i, acks.size());
    // Keep only acknowledged data for the next round (an unacknowledged tail may have survived).
    ASSERT_TRUE(log->truncate_to(acked_end).ok());
    log->close();
  }
}
