// rd_kafka_headers_t: an ordered list of (name, nullable value) pairs; names may repeat.
#include <cstring>

#include "internal.h"

extern "C" {

rd_kafka_headers_t* rd_kafka_headers_new(size_t initial_count) {
  auto* h = new rd_kafka_headers_s();
  h->list.reserve(initial_count);
  return h;
}

void rd_kafka_headers_destroy(rd_kafka_headers_t* hdrs) { delete hdrs; }

rd_kafka_headers_t* rd_kafka_headers_copy(const rd_kafka_headers_t* src) { return new rd_kafka_headers_s(*src); }

rd_kafka_resp_err_t rd_kafka_header_add(rd_kafka_headers_t* hdrs, const char* name, ssize_t name_size,
                                        const void* value, ssize_t value_size) {
  if (!hdrs || !name) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  if (name_size < 0) name_size = static_cast<ssize_t>(std::strlen(name));
  if (value_size < 0) value_size = value ? static_cast<ssize_t>(std::strlen(static_cast<const char*>(value))) : 0;
  rd_kafka_headers_s::Header h;
  h.name.assign(name, static_cast<size_t>(name_size));
  if (value) h.value.assign(static_cast<const char*>(value), static_cast<size_t>(value_size));
  else h.null = true;
  hdrs->list.push_back(std::move(h));
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_header_remove(rd_kafka_headers_t* hdrs, const char* name) {
  size_t before = hdrs->list.size();
  std::erase_if(hdrs->list, [&](const rd_kafka_headers_s::Header& h) { return h.name == name; });
  return hdrs->list.size() == before ? RD_KAFKA_RESP_ERR__NOENT : RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_header_get_last(const rd_kafka_headers_t* hdrs, const char* name, const void** valuep,
                                             size_t* sizep) {
  for (auto it = hdrs->list.rbegin(); it != hdrs->list.rend(); ++it) {
    if (it->name != name) continue;
    *valuep = it->null ? nullptr : it->value.c_str();
    *sizep = it->null ? 0 : it->value.size();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  return RD_KAFKA_RESP_ERR__NOENT;
}

rd_kafka_resp_err_t rd_kafka_header_get(const rd_kafka_headers_t* hdrs, size_t idx, const char* name,
                                        const void** valuep, size_t* sizep) {
  size_t seen = 0;
  for (const auto& h : hdrs->list) {
    if (h.name != name || seen++ != idx) continue;
    *valuep = h.null ? nullptr : h.value.c_str();
    *sizep = h.null ? 0 : h.value.size();
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  return RD_KAFKA_RESP_ERR__NOENT;
}

rd_kafka_resp_err_t rd_kafka_header_get_all(const rd_kafka_headers_t* hdrs, size_t idx, const char** namep,
                                            const void** valuep, size_t* sizep) {
  if (idx >= hdrs->list.size()) return RD_KAFKA_RESP_ERR__NOENT;
  const auto& h = hdrs->list[idx];
  *namep = h.name.c_str();
  *valuep = h.null ? nullptr : h.value.c_str();
  *sizep = h.null ? 0 : h.value.size();
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t rd_kafka_header_cnt(const rd_kafka_headers_t* hdrs) { return hdrs ? hdrs->list.size() : 0; }

}  // extern "C"
