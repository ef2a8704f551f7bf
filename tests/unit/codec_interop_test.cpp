// Cross-implementation check of the RecordBatch v2 codec against kafka-python's
// kafka.record.default_records (an independent implementation of layout, varints, CRC-32C and
// gzip framing). Skipped when no python3 with kafka-python is installed. kafka-python here only
// has gzip, so the other codecs are covered by the CLI-tool tests in codec_compression_test.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "kafka/protocol/record_batch.h"

namespace {

using namespace kafka;
using Buf = std::vector<uint8_t>;

// Prints a batch file as canonical text, or builds one from a text spec (see below).
constexpr const char* kScript = R"PY(
import sys
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
def h(b): return 'N' if b is None else (bytes(b).hex() or '-')
def uh(s): return None if s == 'N' else (b'' if s == '-' else bytes.fromhex(s))
mode, path = sys.argv[1], sys.argv[2]
if mode == 'read':
    data = open(path, 'rb').read()
    b = DefaultRecordBatch(data)
    if not b.validate_crc(): print('BADCRC'); sys.exit(0)
    hd = b._header_data  # producer id, epoch and base sequence have no accessors
    print('batch', b.base_offset, b.compression_type, int(b.is_transactional), int(b.is_control_batch),
          hd[9], hd[10], hd[11], b.first_timestamp, b.max_timestamp)
    for r in b:
        print(r.offset, r.timestamp, h(r.key), h(r.value),
              ','.join(k + '=' + h(v) for k, v in r.headers) or '-')
else:
    codec = int(sys.argv[3])
    bb = DefaultRecordBatchBuilder(magic=2, compression_type=codec, is_transactional=0,
                                   producer_id=9, producer_epoch=2, base_sequence=40,
                                   batch_size=1 << 30)
    for line in sys.stdin:
        f = line.split()
        if not f: continue
        hdrs = [] if f[4] == '-' else [(kv.split('=')[0], uh(kv.split('=')[1])) for kv in f[4].split(',')]
        bb.append(int(f[0]), timestamp=int(f[1]), key=uh(f[2]), value=uh(f[3]), headers=hdrs)
    open(path, 'wb').write(bytes(bb.build()))
)PY";

std::string hexs(NullableBytes b) {
  if (!b) return "N";
  if (b->empty()) return "-";
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : *b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

struct Rec {
  int64_t ts;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

NullableBytes nb(const std::optional<std::string>& s) {
  return s ? NullableBytes(as_bytes(*s)) : std::nullopt;
}

std::string line_of(int64_t offset, const Rec& r) {
  std::string hs;
  for (const auto& [k, v] : r.headers) {
    if (!hs.empty()) hs += ',';
    hs += k + "=" + hexs(nb(v));
  }
  return std::to_string(offset) + " " + std::to_string(r.ts) + " " + hexs(nb(r.key)) + " " +
         hexs(nb(r.value)) + " " + (hs.empty() ? "-" : hs);
}

std::vector<Rec> sample() {
  std::vector<Rec> v;
  v.push_back({1700000000000, "key", "value", {}});
  v.push_back({1700000000007, std::nullopt, "", {{"a", "1"}, {"bee", std::nullopt}}});
  v.push_back({1699999999000, "", std::nullopt, {{"h", ""}}});
  v.push_back({1700000000100, "k4", std::string(5000, 'z'), {}});
  for (int i = 0; i < 200; ++i)
    v.push_back({1700000001000 + i, "k" + std::to_string(i), "v" + std::to_string(i * i),
                 i % 7 ? decltype(Rec::headers){} : decltype(Rec::headers){{"i", std::to_string(i)}}});
  return v;
}

class KafkaPython : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* py : {"/usr/bin/python3", "python3"}) {
      std::string cmd = std::string(py) + " -c 'import kafka.record.default_records' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        python_ = py;
        break;
      }
    }
    if (python_.empty()) GTEST_SKIP() << "python3 with kafka-python not available";
    dir_ = std::filesystem::temp_directory_path() /
           ("kafkaplus_interop_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "kp.py") << kScript;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs the script; returns its stdout.
  std::string run(const std::string& args, const std::string& input = "") {
    std::string in = (dir_ / "in.txt").string(), out = (dir_ / "out.txt").string();
    std::ofstream(in) << input;
    std::string cmd = python_ + " " + (dir_ / "kp.py").string() + " " + args + " < " + in + " > " + out;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  std::string python_;
  std::filesystem::path dir_;
};

TEST_F(KafkaPython, ReadsOurBatches) {
  auto recs = sample();
  for (auto c : {Compression::None, Compression::Gzip}) {
    RecordBatchBuilder b;
    b.set_base_offset(5000);
    for (const auto& r : recs) {
      std::vector<RecordHeader> hs;
      for (const auto& [k, v] : r.headers) hs.push_back({k, nb(v)});
      b.append(r.ts, nb(r.key), nb(r.value), hs);
    }
    ByteView batch = b.finish(c, 77, 3, 1000, true);
    std::string path = (dir_ / "ours.bin").string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(batch.data()), batch.size());

    int64_t max_ts = 0;
    for (const auto& r : recs) max_ts = std::max(max_ts, r.ts);
    std::string expected = "batch 5000 " + std::to_string(static_cast<int>(c)) + " 1 0 77 3 1000 " +
                           std::to_string(recs[0].ts) + " " + std::to_string(max_ts) + "\n";
    for (size_t i = 0; i < recs.size(); ++i) expected += line_of(5000 + static_cast<int64_t>(i), recs[i]) + "\n";
    EXPECT_EQ(run("read " + path), expected) << compression_name(c);
  }
  // A control batch is readable too.
  Buf ctl = make_control_batch(ControlType::Abort, 77, 3, 9, 1700000000000, 42);
  std::string path = (dir_ / "ctl.bin").string();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(ctl.data()), ctl.size());
  EXPECT_EQ(run("read " + path),
            "batch 42 0 1 1 77 3 -1 1700000000000 1700000000000\n"
            "42 1700000000000 00000000 000000000009 -\n");
}

TEST_F(KafkaPython, WeReadTheirBatches) {
  auto recs = sample();
  std::string spec, expected;
  for (size_t i = 0; i < recs.size(); ++i) {
    spec += line_of(static_cast<int64_t>(i), recs[i]) + "\n";
    expected += line_of(static_cast<int64_t>(i), recs[i]) + "\n";
  }
  for (auto c : {Compression::None, Compression::Gzip}) {
    std::string path = (dir_ / "theirs.bin").string();
    run("build " + path + " " + std::to_string(static_cast<int>(c)), spec);
    std::ifstream f(path, std::ios::binary);
    Buf batch((std::istreambuf_iterator<char>(f)), {});
    ASSERT_FALSE(batch.empty());
    auto v = validate_batch(batch);
    ASSERT_TRUE(v) << v.reason;
    RecordBatchView view(batch);
    EXPECT_EQ(view.compression(), c);
    EXPECT_EQ(view.header().producer_id, 9);
    EXPECT_EQ(view.header().base_sequence, 40);
    std::string got;
    for (const Record& r : view) {
      std::string hs;
      for (const RecordHeader& h : r.headers) {
        if (!hs.empty()) hs += ',';
        hs += std::string(h.key) + "=" + hexs(h.value);
      }
      got += std::to_string(r.offset) + " " + std::to_string(r.timestamp) + " " + hexs(r.key) + " " +
             hexs(r.value) + " " + (hs.empty() ? "-" : hs) + "\n";
    }
    EXPECT_EQ(got, expected) << compression_name(c);
  }
}

}  // namespace
