// Error codes, their names and descriptions (librdkafka's texts), rich error objects, the
// per-thread "last error" of the legacy APIs, and the library version.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "errors_local.h"
#include "internal.h"

namespace kafkaplus::facade {
namespace {

constexpr int kBegin = RD_KAFKA_RESP_ERR__BEGIN;
constexpr int kSlots = RD_KAFKA_RESP_ERR_END_ALL - RD_KAFKA_RESP_ERR__BEGIN;

// librdkafka's layout: one slot per code from __BEGIN to END_ALL-1, unused slots zeroed.
struct DescTable {
  rd_kafka_err_desc slots[kSlots];
  DescTable() {
    for (int i = 0; i < kSlots; i++) slots[i] = {static_cast<rd_kafka_resp_err_t>(kBegin + i), nullptr, nullptr};
    for (const auto& e : kafka::client::error_table())
      slots[e.code - kBegin] = {static_cast<rd_kafka_resp_err_t>(e.code), e.name, e.desc};
  }
};

const DescTable& desc_table() {
  static const DescTable t;
  return t;
}

const rd_kafka_err_desc* lookup(int code) {
  if (code <= kBegin || code >= RD_KAFKA_RESP_ERR_END_ALL) return nullptr;
  const rd_kafka_err_desc* d = &desc_table().slots[code - kBegin];
  return d->desc ? d : nullptr;
}

thread_local rd_kafka_resp_err_t tls_last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
thread_local char tls_unknown[32];

}  // namespace

const char* err_desc(int code) {
  const rd_kafka_err_desc* d = lookup(code);
  if (d) return d->desc;
  std::snprintf(tls_unknown, sizeof tls_unknown, "Err-%i?", code);
  return tls_unknown;
}

void set_last_error(rd_kafka_resp_err_t err) {
  tls_last_error = err;
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: break;
    case RD_KAFKA_RESP_ERR__INVALID_ARG: errno = EINVAL; break;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL: errno = ENOBUFS; break;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: errno = EMSGSIZE; break;
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: errno = ESRCH; break;
    case RD_KAFKA_RESP_ERR__FATAL: errno = ECANCELED; break;
    case RD_KAFKA_RESP_ERR__TIMED_OUT: errno = ETIMEDOUT; break;
    default: errno = EINVAL; break;
  }
}

}  // namespace kafkaplus::facade

using namespace kafkaplus::facade;

extern "C" {

int rd_kafka_version(void) { return RD_KAFKA_VERSION; }

const char* rd_kafka_version_str(void) {
  static const std::string s = [] {
    int v = RD_KAFKA_VERSION;
    return std::to_string((v >> 24) & 0xff) + "." + std::to_string((v >> 16) & 0xff) + "." +
           std::to_string((v >> 8) & 0xff);
  }();
  return s.c_str();
}

const char* rd_kafka_get_debug_contexts(void) { return RD_KAFKA_DEBUG_CONTEXTS; }

void rd_kafka_get_err_descs(const struct rd_kafka_err_desc** errdescs, size_t* cntp) {
  *errdescs = desc_table().slots;
  *cntp = kSlots;
}

const char* rd_kafka_err2str(rd_kafka_resp_err_t err) { return err_desc(err); }

const char* rd_kafka_err2name(rd_kafka_resp_err_t err) {
  const rd_kafka_err_desc* d = lookup(err);
  if (d) return d->name;
  std::snprintf(tls_unknown, sizeof tls_unknown, "ERR_%i?", static_cast<int>(err));
  return tls_unknown;
}

rd_kafka_resp_err_t rd_kafka_last_error(void) { return tls_last_error; }

rd_kafka_resp_err_t rd_kafka_errno2err(int errnox) {
  switch (errnox) {
    case EINVAL: return RD_KAFKA_RESP_ERR__INVALID_ARG;
    case EBUSY: return RD_KAFKA_RESP_ERR__CONFLICT;
    case ENOENT: return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    case ESRCH: return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    case ETIMEDOUT: return RD_KAFKA_RESP_ERR__TIMED_OUT;
    case EMSGSIZE: return RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
    case ENOBUFS: return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    case ECANCELED: return RD_KAFKA_RESP_ERR__FATAL;
    default: return RD_KAFKA_RESP_ERR__FAIL;
  }
}

int rd_kafka_errno(void) { return errno; }

rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t* error) {
  return error ? error->code : RD_KAFKA_RESP_ERR_NO_ERROR;
}

const char* rd_kafka_error_name(const rd_kafka_error_t* error) {
  return rd_kafka_err2name(error ? error->code : RD_KAFKA_RESP_ERR_NO_ERROR);
}

const char* rd_kafka_error_string(const rd_kafka_error_t* error) {
  if (!error) return "";
  return error->str.c_str();
}

int rd_kafka_error_is_fatal(const rd_kafka_error_t* error) { return error && error->fatal; }
int rd_kafka_error_is_retriable(const rd_kafka_error_t* error) { return error && error->retriable; }
int rd_kafka_error_txn_requires_abort(const rd_kafka_error_t* error) { return error && error->txn_requires_abort; }

void rd_kafka_error_destroy(rd_kafka_error_t* error) { delete error; }

rd_kafka_error_t* rd_kafka_error_new(rd_kafka_resp_err_t code, const char* fmt, ...) {
  auto* e = new rd_kafka_error_s();
  e->code = code;
  if (fmt && *fmt) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    e->str = buf;
  } else {
    e->str = rd_kafka_err2str(code);
  }
  return e;
}

}  // extern "C"
