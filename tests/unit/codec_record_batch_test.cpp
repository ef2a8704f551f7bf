// RecordBatch v2: a hand-laid golden batch, build/view round trips for every codec, CRC and
// layout corruption, validation codes, splitting, and control records.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kafka/protocol/crc32c.h"
#include "kafka/protocol/record_batch.h"

namespace {

using namespace kafka;
using Buf = std::vector<uint8_t>;

constexpr Compression kAll[] = {Compression::None, Compression::Gzip, Compression::Snappy,
                                Compression::Lz4, Compression::Zstd};

Buf hex(std::string_view h) {
  Buf b;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<uint8_t>(nib(h[i]) * 16 + nib(h[i + 1])));
  return b;
}

// Big-endian appenders for laying out bytes by hand.
void be(Buf& b, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Buf bytes(std::string_view s) { return Buf(s.begin(), s.end()); }

// Re-seals a batch after a deliberate edit so only the edit is under test.
void fix_crc(Buf& b) {
  uint32_t c = crc32c(b.data() + 21, b.size() - 21);
  BatchHeader::write_i32(b.data() + 17, static_cast<int32_t>(c));
}

TEST(RecordBatch, GoldenBatchByHand) {
  const int64_t ts = 1700000000000;
  // Header, field by field (DefaultRecordBatch layout).
  Buf g;
  be(g, 100, 8);         // BaseOffset
  be(g, 76, 4);          // Length = 88 - 12
  be(g, 5, 4);           // PartitionLeaderEpoch
  be(g, 2, 1);           // Magic
  be(g, 0x2d74d065, 4);  // CRC-32C of everything after this field (computed independently)
  be(g, 0, 2);           // Attributes
  be(g, 1, 4);           // LastOffsetDelta
  be(g, ts, 8);          // BaseTimestamp
  be(g, ts + 5, 8);      // MaxTimestamp
  be(g, 42, 8);          // ProducerId
  be(g, 3, 2);           // ProducerEpoch
  be(g, 7, 4);           // BaseSequence
  be(g, 2, 4);           // RecordsCount
  // Record 0: len 12 (zigzag 0x18), attrs, tsDelta 0, offDelta 0, key "k", value "hello", 0 headers.
  for (int x : std::initializer_list<int>{0x18, 0x00, 0x00, 0x00, 0x02, 'k', 0x0a, 'h', 'e', 'l', 'l', 'o', 0x00}) g.push_back(x);
  // Record 1: len 13, tsDelta 5 (0x0a), offDelta 1 (0x02), null key (0x01), empty value (0x00),
  // 2 headers: "h" -> null, "t" -> "v".
  for (int x : std::initializer_list<int>{0x1a, 0x00, 0x0a, 0x02, 0x01, 0x00, 0x04, 0x02, 'h', 0x01, 0x02, 't', 0x02, 'v'})
    g.push_back(x);
  ASSERT_EQ(g.size(), 88u);
  ASSERT_EQ(g, hex("00000000000000640000004c00000005022d74d0650000000000010000018bcfe568000000018bcfe56805"
                   "000000000000002a0003000000070000000218000000026b0a68656c6c6f001a000a02010004026801"
                   "02740276"));

  RecordBatchBuilder b;
  b.set_base_offset(100);
  b.set_partition_leader_epoch(5);
  Buf k = bytes("k"), v = bytes("hello"), hv = bytes("v");
  b.append(ts, ByteView(k), ByteView(v));
  RecordHeader hs[] = {{"h", std::nullopt}, {"t", ByteView(hv)}};
  EXPECT_EQ(b.next_record_size(ts + 5, std::nullopt, ByteView(), hs), 14u);
  b.append(ts + 5, std::nullopt, ByteView(), hs);
  EXPECT_EQ(b.size_estimate(), 88u);
  ByteView out = b.finish(Compression::None, 42, 3, 7);
  EXPECT_EQ(Buf(out.begin(), out.end()), g);

  // And decoding the hand-laid bytes.
  RecordBatchView view(g);
  EXPECT_EQ(view.base_offset(), 100);
  EXPECT_EQ(view.last_offset(), 101);
  EXPECT_EQ(view.header().producer_id, 42);
  EXPECT_EQ(view.header().producer_epoch, 3);
  EXPECT_EQ(view.header().base_sequence, 7);
  EXPECT_EQ(view.header().partition_leader_epoch, 5);
  auto recs = view.to_owned();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 100);
  EXPECT_EQ(recs[0].timestamp, ts);
  EXPECT_EQ(recs[0].key, bytes("k"));
  EXPECT_EQ(recs[0].value, bytes("hello"));
  EXPECT_TRUE(recs[0].headers.empty());
  EXPECT_EQ(recs[1].offset, 101);
  EXPECT_EQ(recs[1].timestamp, ts + 5);
  EXPECT_FALSE(recs[1].key.has_value());
  ASSERT_TRUE(recs[1].value.has_value());
  EXPECT_TRUE(recs[1].value->empty());
  ASSERT_EQ(recs[1].headers.size(), 2u);
  EXPECT_EQ(recs[1].headers[0], (OwnedRecordHeader{"h", std::nullopt}));
  EXPECT_EQ(recs[1].headers[1], (OwnedRecordHeader{"t", bytes("v")}));

  auto val = validate_batch(g);
  EXPECT_TRUE(val) << val.reason;
  EXPECT_EQ(val.records, 2);
  EXPECT_EQ(val.min_timestamp, ts);
  EXPECT_EQ(val.max_timestamp, ts + 5);
  EXPECT_TRUE(val.sequential_offsets);
  EXPECT_FALSE(val.all_keys_present);
  EXPECT_EQ(val.uncompressed_size, 27u);
}

struct Spec {
  int64_t ts;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::vector<Spec> make_specs(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Spec> v;
  for (size_t i = 0; i < n; ++i) {
    Spec s;
    s.ts = 1600000000000 + static_cast<int64_t>(rng() % 100000) - 50000;  // not monotonic
    switch (rng() % 4) {
      case 0: break;  // null
      case 1: s.key = ""; break;
      default: s.key = "key-" + std::to_string(rng() % 1000);
    }
    switch (rng() % 5) {
      case 0: break;
      case 1: s.value = ""; break;
      case 2: s.value = std::string(rng() % 3000, static_cast<char>('a' + rng() % 26)); break;
      default: s.value = "value " + std::to_string(i);
    }
    for (size_t h = rng() % 4; h > 0; --h)
      s.headers.emplace_back("hdr" + std::to_string(h),
                             rng() % 3 ? std::optional<std::string>("v" + std::to_string(rng()))
                                       : std::nullopt);
    v.push_back(std::move(s));
  }
  return v;
}

NullableBytes nb(const std::optional<std::string>& s) {
  return s ? NullableBytes(as_bytes(*s)) : std::nullopt;
}

void append_all(RecordBatchBuilder& b, const std::vector<Spec>& specs) {
  for (const auto& s : specs) {
    std::vector<RecordHeader> hs;
    for (const auto& [k, v] : s.headers) hs.push_back({k, nb(v)});
    size_t before = b.size_estimate();
    size_t predicted = b.next_record_size(s.ts, nb(s.key), nb(s.value), hs);
    b.append(s.ts, nb(s.key), nb(s.value), hs);
    ASSERT_EQ(b.size_estimate() - before, predicted);
  }
}

void expect_matches(RecordBatchView& view, const std::vector<Spec>& specs, int64_t base_offset) {
  size_t i = 0;
  for (const Record& r : view) {
    ASSERT_LT(i, specs.size());
    const Spec& s = specs[i];
    EXPECT_EQ(r.offset, base_offset + static_cast<int64_t>(i));
    EXPECT_EQ(r.timestamp, s.ts);
    ASSERT_EQ(r.key.has_value(), s.key.has_value());
    if (s.key) {
      EXPECT_EQ(as_string(*r.key), *s.key);
    }
    ASSERT_EQ(r.value.has_value(), s.value.has_value());
    if (s.value) {
      EXPECT_EQ(as_string(*r.value), *s.value);
    }
    ASSERT_EQ(r.headers.size(), s.headers.size());
    size_t j = 0;
    for (const RecordHeader& h : r.headers) {
      EXPECT_EQ(h.key, s.headers[j].first);
      ASSERT_EQ(h.value.has_value(), s.headers[j].second.has_value());
      if (h.value) {
        EXPECT_EQ(as_string(*h.value), *s.headers[j].second);
      }
      ++j;
    }
    ++i;
  }
  EXPECT_EQ(i, specs.size());
}

TEST(RecordBatch, RoundTripEveryCodec) {
  auto specs = make_specs(500, 1);
  RecordBatchBuilder b;
  for (auto c : kAll) {
    b.reset();
    b.set_base_offset(1000);
    append_all(b, specs);
    ByteView out = b.finish(c, 77, 1, 500, true);
    Buf batch(out.begin(), out.end());
    RecordBatchView view(batch);
    EXPECT_EQ(view.compression(), c);
    EXPECT_TRUE(view.is_transactional());
    EXPECT_FALSE(view.is_control());
    EXPECT_EQ(view.record_count(), 500);
    EXPECT_EQ(view.last_offset(), 1499);
    EXPECT_EQ(view.header().base_timestamp, specs[0].ts);
    int64_t max_ts = -1;
    for (auto& s : specs) max_ts = std::max(max_ts, s.ts);
    EXPECT_EQ(view.header().max_timestamp, max_ts);
    expect_matches(view, specs, 1000);
    auto v = validate_batch(batch);
    EXPECT_TRUE(v) << compression_name(c) << ": " << v.reason;
    EXPECT_EQ(v.records, 500);
    EXPECT_EQ(v.max_timestamp, max_ts);
    if (c != Compression::None) {
      EXPECT_LT(batch.size(), b.size_estimate());
    }
  }
}

TEST(RecordBatch, ManySmallRecordsAndBigOnes) {
  Buf big(3 << 20, 'x');
  for (auto c : kAll) {
    RecordBatchBuilder b2(64);  // forces growth
    for (int i = 0; i < 100000; ++i) b2.append(i, std::nullopt, as_bytes("v"));
    b2.append(5, as_bytes("big"), ByteView(big));
    Buf batch;
    ByteView out = b2.finish(c);
    batch.assign(out.begin(), out.end());
    RecordBatchView view(batch);
    int n = 0;
    size_t last_size = 0;
    for (const Record& r : view) {
      ++n;
      last_size = r.value->size();
    }
    EXPECT_EQ(n, 100001);
    EXPECT_EQ(last_size, big.size());
    EXPECT_TRUE(validate_batch(batch)) << compression_name(c);
  }
}

TEST(RecordBatch, BuilderReuseKeepsBuffersAndOutput) {
  auto specs = make_specs(50, 9);
  RecordBatchBuilder b;
  append_all(b, specs);
  Buf first;
  {
    ByteView o = b.finish(Compression::Lz4);
    first.assign(o.begin(), o.end());
  }
  const uint8_t* p1 = b.batch().data();
  b.reset();
  EXPECT_TRUE(b.batch().empty());
  EXPECT_EQ(b.size_estimate(), 61u);
  append_all(b, specs);
  ByteView o2 = b.finish(Compression::Lz4);
  EXPECT_EQ(o2.data(), p1) << "no reallocation on reuse";
  EXPECT_EQ(Buf(o2.begin(), o2.end()), first);
  EXPECT_THROW(b.append(1, std::nullopt, std::nullopt), std::logic_error);
}

TEST(RecordBatch, ExplicitOffsetDeltas) {
  RecordBatchBuilder b;
  b.append_with_offset_delta(0, 10, as_bytes("a"), as_bytes("1"));
  b.append_with_offset_delta(5, 11, as_bytes("b"), as_bytes("2"));
  EXPECT_THROW(b.append_with_offset_delta(5, 12, std::nullopt, std::nullopt), std::invalid_argument);
  b.append(12, as_bytes("c"), as_bytes("3"));  // continues at 6
  Buf batch;
  ByteView o = b.finish();
  batch.assign(o.begin(), o.end());
  RecordBatchView view(batch);
  std::vector<int64_t> offs;
  for (const Record& r : view) offs.push_back(r.offset);
  EXPECT_EQ(offs, (std::vector<int64_t>{0, 5, 6}));
  EXPECT_EQ(view.last_offset(), 6);
  // A compacted batch: fine for replicated data, rejected from clients (count != range).
  auto v = validate_batch(batch);
  EXPECT_EQ(v.error, Error::INVALID_RECORD);
  ValidateOptions repl;
  repl.client_origin = false;
  v = validate_batch(batch, repl);
  EXPECT_TRUE(v) << v.reason;
  EXPECT_FALSE(v.sequential_offsets);
  EXPECT_TRUE(v.all_keys_present);
}

TEST(RecordBatch, LogAppendTimeUsesMaxTimestamp) {
  RecordBatchBuilder b;
  b.append(100, std::nullopt, as_bytes("a"));
  b.append(50, std::nullopt, as_bytes("b"));
  ByteView o = b.finish(Compression::None, -1, -1, -1, false, kAttrLogAppendTime);
  Buf batch(o.begin(), o.end());
  BatchHeader::write_i64(batch.data() + 35, 999);  // the broker stamps MaxTimestamp
  fix_crc(batch);
  RecordBatchView view(batch);
  EXPECT_TRUE(view.log_append_time());
  for (const Record& r : view) EXPECT_EQ(r.timestamp, 999);
}

TEST(RecordBatch, AnySingleByteFlipAfterCrcIsCorrupt) {
  for (auto c : {Compression::None, Compression::Zstd}) {
    RecordBatchBuilder b;
    append_all(b, make_specs(20, 3));
    ByteView o = b.finish(c, 5, 0, 0);
    const Buf good(o.begin(), o.end());
    ASSERT_TRUE(validate_batch(good));
    for (size_t i = BatchHeader::kCrcOffset; i < good.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xff}) {
        Buf bad = good;
        bad[i] ^= mask;
        auto v = validate_batch(bad);
        ASSERT_EQ(v.error, Error::CORRUPT_MESSAGE) << "byte " << i << " mask " << int(mask);
        try {
          RecordBatchView view(bad);
          ADD_FAILURE() << "view accepted a flip at " << i;
        } catch (const BatchError& e) {
          EXPECT_EQ(e.code(), Error::CORRUPT_MESSAGE);
        }
      }
    }
    // PartitionLeaderEpoch is outside the CRC: the broker may overwrite it.
    Buf epoch = good;
    BatchHeader::write_i32(epoch.data() + 12, 1234);
    EXPECT_TRUE(validate_batch(epoch));
  }
}

TEST(RecordBatch, LayoutErrors) {
  RecordBatchBuilder b;
  b.append(1, as_bytes("k"), as_bytes("v"));
  ByteView o = b.finish();
  const Buf good(o.begin(), o.end());

  EXPECT_EQ(validate_batch(ByteView(good).first(60)).error, Error::CORRUPT_MESSAGE);
  EXPECT_EQ(validate_batch(ByteView(good).first(good.size() - 1)).error, Error::CORRUPT_MESSAGE);
  Buf longer = good;
  longer.push_back(0);
  EXPECT_EQ(validate_batch(longer).error, Error::CORRUPT_MESSAGE);
  EXPECT_EQ(validate_batch({}).error, Error::CORRUPT_MESSAGE);

  Buf magic = good;
  magic[16] = 1;
  EXPECT_EQ(validate_batch(magic).error, Error::INVALID_RECORD);
  magic[16] = 3;
  EXPECT_EQ(validate_batch(magic).error, Error::CORRUPT_MESSAGE);

  for (int codec = 5; codec <= 7; ++codec) {
    Buf bad = good;
    bad[22] = static_cast<uint8_t>((bad[22] & ~7) | codec);
    fix_crc(bad);
    EXPECT_EQ(validate_batch(bad).error, Error::UNSUPPORTED_COMPRESSION_TYPE) << codec;
    try {
      RecordBatchView v(bad);
      ADD_FAILURE();
    } catch (const BatchError& e) {
      EXPECT_EQ(e.code(), Error::UNSUPPORTED_COMPRESSION_TYPE);
    }
  }

  // The same bytes but flagged compressed: undecodable -> CORRUPT_MESSAGE.
  Buf fake = good;
  fake[22] = static_cast<uint8_t>((fake[22] & ~7) | 4);
  fix_crc(fake);
  EXPECT_EQ(validate_batch(fake).error, Error::CORRUPT_MESSAGE);
  RecordBatchView fv(fake);
  EXPECT_THROW(fv.begin(), BatchError);
}

TEST(RecordBatch, RecordCountAndLengthMismatches) {
  RecordBatchBuilder b;
  b.append(1, as_bytes("k"), as_bytes("value"));
  b.append(2, as_bytes("k2"), as_bytes("value2"));
  ByteView o = b.finish();
  const Buf good(o.begin(), o.end());
  ValidateOptions repl;
  repl.client_origin = false;

  auto with_count = [&](int32_t n) {
    Buf bad = good;
    BatchHeader::write_i32(bad.data() + 57, n);
    fix_crc(bad);
    return bad;
  };
  EXPECT_EQ(validate_batch(with_count(3), repl).error, Error::INVALID_RECORD);  // too few records
  EXPECT_EQ(validate_batch(with_count(1), repl).error, Error::INVALID_RECORD);  // trailing bytes
  EXPECT_EQ(validate_batch(with_count(-1), repl).error, Error::INVALID_RECORD);
  EXPECT_EQ(validate_batch(with_count(1)).error, Error::INVALID_RECORD);  // client: count != range
  {
    Buf bad = with_count(3);
    RecordBatchView v(bad);
    auto it = v.begin();
    ++it;
    EXPECT_THROW(++it, BatchError);
  }
  {
    Buf bad = with_count(1);
    RecordBatchView v(bad);
    auto it = v.begin();
    try {
      ++it;
      ADD_FAILURE();
    } catch (const BatchError& e) {
      EXPECT_EQ(e.code(), Error::INVALID_RECORD);
    }
  }
  // First record's length varint says 13 instead of 12 (zigzag 0x1a for 0x18).
  Buf bad = good;
  ASSERT_EQ(bad[61], 0x18);
  bad[61] = 0x1a;
  fix_crc(bad);
  EXPECT_EQ(validate_batch(bad).error, Error::INVALID_RECORD);
  // Key length larger than the record.
  bad = good;
  ASSERT_EQ(bad[65], 0x02);
  bad[65] = 0x40;
  fix_crc(bad);
  EXPECT_EQ(validate_batch(bad).error, Error::INVALID_RECORD);
  // Key length -2.
  bad[65] = 0x03;
  fix_crc(bad);
  EXPECT_EQ(validate_batch(bad).error, Error::INVALID_RECORD);
}

TEST(RecordBatch, ClientOriginChecks) {
  auto build = [](int64_t pid, int32_t seq) {
    RecordBatchBuilder b;
    b.append(1, std::nullopt, as_bytes("v"));
    ByteView o = b.finish(Compression::None, pid, 0, seq);
    return Buf(o.begin(), o.end());
  };
  EXPECT_TRUE(validate_batch(build(-1, -1)));
  EXPECT_TRUE(validate_batch(build(7, 0)));
  EXPECT_EQ(validate_batch(build(7, -1)).error, Error::INVALID_RECORD);
  Buf ctl = make_control_batch(ControlType::Commit, 7, 0, 1, 1000);
  EXPECT_EQ(validate_batch(ctl).error, Error::INVALID_RECORD);
  ValidateOptions repl;
  repl.client_origin = false;
  EXPECT_TRUE(validate_batch(ctl, repl));
  // Empty batch (what compaction can leave behind) is fine outside the client path.
  RecordBatchBuilder e;
  ByteView eo = e.finish();
  Buf empty(eo.begin(), eo.end());
  EXPECT_EQ(validate_batch(empty).error, Error::INVALID_RECORD);
  EXPECT_TRUE(validate_batch(empty, repl));
  RecordBatchView ev(empty);
  EXPECT_TRUE(ev.begin() == ev.end());
}

TEST(RecordBatch, DecompressionLimit) {
  RecordBatchBuilder b;
  Buf zeros(1 << 20, 0);
  b.append(1, std::nullopt, ByteView(zeros));
  ByteView o = b.finish(Compression::Zstd);
  Buf batch(o.begin(), o.end());
  EXPECT_LT(batch.size(), 1000u);
  ValidateOptions opt;
  opt.max_uncompressed = 64 * 1024;
  EXPECT_EQ(validate_batch(batch, opt).error, Error::CORRUPT_MESSAGE);
  Buf scratch;
  opt.max_uncompressed = 2 << 20;
  opt.scratch = &scratch;
  EXPECT_TRUE(validate_batch(batch, opt));
  EXPECT_GE(scratch.size(), 1u << 20);
  RecordBatchView view(batch);
  view.set_max_uncompressed(64 * 1024);
  EXPECT_THROW(view.begin(), BatchError);
}

TEST(RecordBatch, Splitter) {
  std::vector<Buf> batches;
  Buf all;
  for (int i = 0; i < 3; ++i) {
    RecordBatchBuilder b;
    b.set_base_offset(i * 10);
    for (int j = 0; j <= i; ++j) b.append(j, std::nullopt, as_bytes("x"));
    ByteView o = b.finish(i == 1 ? Compression::Snappy : Compression::None);
    batches.emplace_back(o.begin(), o.end());
    all.insert(all.end(), o.begin(), o.end());
  }
  {
    BatchSplitter s(all);
    int n = 0;
    for (ByteView b : s) {
      EXPECT_EQ(Buf(b.begin(), b.end()), batches[n]);
      ++n;
    }
    EXPECT_EQ(n, 3);
    EXPECT_FALSE(s.truncated());
    EXPECT_EQ(s.error(), Error::NONE);
  }
  // Every truncation of the last batch: two whole batches, then a clean stop.
  size_t two = batches[0].size() + batches[1].size();
  for (size_t cut = two; cut < all.size(); ++cut) {
    BatchSplitter s(ByteView(all).first(cut));
    int n = 0;
    while (auto b = s.next()) ++n;
    EXPECT_EQ(n, 2) << cut;
    EXPECT_EQ(s.truncated(), cut > two) << cut;
    EXPECT_EQ(s.error(), Error::NONE);
    EXPECT_EQ(s.rest().size(), cut - two);
  }
  // An impossible Length stops with CORRUPT_MESSAGE.
  Buf bad = all;
  BatchHeader::write_i32(bad.data() + batches[0].size() + 8, 10);
  BatchSplitter s(bad);
  EXPECT_TRUE(s.next());
  EXPECT_FALSE(s.next());
  EXPECT_EQ(s.error(), Error::CORRUPT_MESSAGE);
  EXPECT_FALSE(s.truncated());
  // Empty input: nothing, cleanly.
  BatchSplitter e({});
  EXPECT_FALSE(e.next());
  EXPECT_FALSE(e.truncated());
}

TEST(RecordBatch, ControlRecordRoundTrip) {
  for (auto type : {ControlType::Commit, ControlType::Abort}) {
    Buf batch = make_control_batch(type, 4242, 7, 13, 1700000000123, 500);
    RecordBatchView view(batch);
    EXPECT_TRUE(view.is_control());
    EXPECT_TRUE(view.is_transactional());
    EXPECT_EQ(view.header().attributes, kAttrControl | kAttrTransactional);
    EXPECT_EQ(view.header().producer_id, 4242);
    EXPECT_EQ(view.header().producer_epoch, 7);
    EXPECT_EQ(view.header().base_sequence, -1);
    EXPECT_EQ(view.base_offset(), 500);
    EXPECT_EQ(view.record_count(), 1);
    int n = 0;
    for (const Record& r : view) {
      ++n;
      EXPECT_EQ(r.offset, 500);
      EXPECT_EQ(r.timestamp, 1700000000123);
      Buf key(r.key->begin(), r.key->end()), value(r.value->begin(), r.value->end());
      EXPECT_EQ(key, (Buf{0, 0, 0, static_cast<uint8_t>(type)}));
      EXPECT_EQ(value, (Buf{0, 0, 0, 0, 0, 13}));
      EXPECT_EQ(control_record_type(r.key), type);
      auto m = parse_end_txn_marker(r);
      ASSERT_TRUE(m);
      EXPECT_EQ(*m, (EndTxnMarker{type, 13}));
    }
    EXPECT_EQ(n, 1);
  }
  // Malformed and non-transaction control records.
  Record r;
  Buf shortkey{0, 0, 1};
  r.key = ByteView(shortkey);
  EXPECT_THROW(control_record_type(r.key), BatchError);
  Buf leader{0, 0, 0, 2};
  r.key = ByteView(leader);
  EXPECT_EQ(parse_end_txn_marker(r), std::nullopt);
  Buf commit{0, 0, 0, 1}, shortval{0, 0, 0};
  r.key = ByteView(commit);
  r.value = ByteView(shortval);
  EXPECT_THROW(parse_end_txn_marker(r), BatchError);
  // A newer value version with extra bytes still parses (forward compatible).
  Buf v1{0, 1, 0, 0, 1, 0, 0xaa, 0xbb};
  r.value = ByteView(v1);
  EXPECT_EQ(parse_end_txn_marker(r)->coordinator_epoch, 256);
}

// Random mutations (re-sealed with a valid CRC) must never crash, and validate_batch must agree
// with what iterating the view finds.
TEST(RecordBatch, MutationsAgreeBetweenValidatorAndView) {
  std::mt19937 rng(123);
  for (auto c : kAll) {
    RecordBatchBuilder b;
    append_all(b, make_specs(8, 17));
    ByteView o = b.finish(c);
    const Buf good(o.begin(), o.end());
    for (int iter = 0; iter < 1500; ++iter) {
      Buf bad = good;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        size_t i = 57 + rng() % (bad.size() - 57);  // count and records
        bad[i] = static_cast<uint8_t>(rng());
      }
      fix_crc(bad);
      ValidateOptions opt;
      opt.client_origin = false;
      auto v = validate_batch(bad, opt);
      bool view_ok = true;
      try {
        RecordBatchView view(bad);
        for (const Record& r : view) (void)r;
      } catch (const BatchError&) {
        view_ok = false;
      }
      ASSERT_EQ(static_cast<bool>(v), view_ok) << compression_name(c) << " iter " << iter << " "
                                               << v.reason;
    }
  }
}

}  // namespace
