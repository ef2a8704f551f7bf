// libFuzzer target for the request decoder. The input is a request frame body as the broker sees
// it after the 4-byte size: request header, then the message of the API and version it names.
// Unknown API keys and unsupported versions are ignored (the broker answers those without decoding
// a body); everything else must decode or throw ProtocolError, and never crash, hang or allocate
// without bound. A decoded message must also re-encode stably: encode(decode(encode(m))) ==
// encode(m).
//
// Build and run (clang only):
//   CC=clang CXX=clang++ cmake -S /work/main -B /work/main/build-fuzz -G Ninja \
//       -DKAFKAPLUS_FUZZ=ON -DKAFKAPLUS_BUILD_TESTS=ON
//   ninja -C /work/main/build-fuzz -j2 request_decoder_fuzz
//   mkdir -p /tmp/fuzz-corpus && /work/main/build-fuzz/tests/request_decoder_fuzz -write_seeds=/tmp/fuzz-corpus
//   /work/main/build-fuzz/tests/request_decoder_fuzz -max_total_time=60 -rss_limit_mb=2048 /tmp/fuzz-corpus
// (-write_seeds=DIR writes the seed frames into DIR and exits: the golden frames of
// tests/unit/protocol_golden_frames.h plus a fully filled request per API and version.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "kafka/protocol/messages.h"
#include "../unit/protocol_filler.h"
#include "../unit/protocol_golden_frames.h"

using namespace kafka::proto;

namespace {

template <class Req> void decode_and_check(Reader& r, int16_t version) {
  Req m = decode_body<Req>(r, version);
  std::vector<uint8_t> once = encode_body(m, version);
  std::vector<uint8_t> again = encode_body(decode_body<Req>(once, version), version);
  if (once != again) {
    std::fprintf(stderr, "%s v%d does not re-encode stably\n", std::string(api_name(Req::api_key)).c_str(), version);
    std::abort();
  }
}

void write_file(const std::string& path, std::span<const uint8_t> bytes) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

void write_frame(const std::string& dir, const std::string& name, std::span<const uint8_t> a,
                 std::span<const uint8_t> b = {}) {
  std::vector<uint8_t> frame(a.begin(), a.end());
  frame.insert(frame.end(), b.begin(), b.end());
  write_file(dir + "/" + name, frame);
}

// Seeds: the golden frames (captured from librdkafka and kafka-python, and the hand-built Produce
// v3) and, for every API and version, a request with every field filled.
void write_seeds(const std::string& dir) {
  using namespace golden;
  write_frame(dir, "golden_rdkafka_api_versions_v3", kRdkafkaApiVersionsV3);
  write_frame(dir, "golden_rdkafka_metadata_v4_brokers", kRdkafkaMetadataV4Brokers);
  write_frame(dir, "golden_rdkafka_metadata_v4_topic", kRdkafkaMetadataV4Topic);
  write_frame(dir, "golden_kafka_python_api_versions_v0", kKafkaPythonApiVersionsV0);
  write_frame(dir, "golden_produce_v3", kProduceV3Head, kOneRecordBatch);
  for_each_type(AllRequests{}, [&](auto* p) {
    using Req = std::remove_pointer_t<decltype(p)>;
    for (int16_t v = Req::min_version; v <= Req::max_version; ++v) {
      Req m = test_support::make_filled<Req>(v, test_support::Mode::Full);
      auto frame = encode_request(m, v, 1, std::string("seed"));
      write_file(dir + "/" + std::string(api_name(Req::api_key)) + "_v" + std::to_string(v),
                 std::span<const uint8_t>(frame).subspan(4));
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    const char* flag = "-write_seeds=";
    if (std::strncmp((*argv)[i], flag, std::strlen(flag)) == 0) {
      write_seeds((*argv)[i] + std::strlen(flag));
      std::exit(0);
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    Reader r(std::span<const uint8_t>(data, size));
    RequestHeader h = decode_request_header(r);
    visit_request_type(h.api_key, [&](auto* p) {
      using Req = std::remove_pointer_t<decltype(p)>;
      if (h.api_version < Req::min_version || h.api_version > Req::max_version) return;
      decode_and_check<Req>(r, h.api_version);
    });
  } catch (const ProtocolError&) {
  }
  return 0;
}
