// The declarative schema machinery. Every message struct declares its fields once:
//
//   struct MetadataRequestTopic {
//     std::optional<std::string> name;
//     template <class V, class S> static void fields(V& v, S& s) {
//       v("Name", s.name, versions(0).nullable_from(10));
//     }
//   };
//
// and encode/decode/printing for every version follow from that single declaration.
// The C++ type picks the wire type (int32_t -> INT32, std::string -> STRING, std::vector<T> ->
// ARRAY, a struct with fields() -> nested struct, ...); the flexible-version flag picks compact
// encodings and tagged-field sections (KIP-482). Tagged fields are std::optional<X>, written when
// engaged. Fields absent in a version keep their C++ default member initialiser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "kafka/protocol/wire.h"

namespace kafka::proto {

struct FieldSpec {
  int16_t min = 0;
  int16_t max = 0x7fff;
  int16_t nullable_min = 0;  // for std::optional fields: first version where null is allowed
  int32_t tag = -1;          // >= 0: tagged field (only in flexible versions)

  constexpr bool present(int16_t v) const { return v >= min && v <= max; }
  constexpr FieldSpec nullable_from(int16_t v) const { FieldSpec f = *this; f.nullable_min = v; return f; }
  constexpr FieldSpec tagged(int32_t t) const { FieldSpec f = *this; f.tag = t; return f; }
};

// versions(3) = "3+", versions(0, 2) = "0-2".
constexpr FieldSpec versions(int16_t min, int16_t max = 0x7fff) { return FieldSpec{min, max, min, -1}; }

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

// Detects a struct with a fields() template by trying to call it with a no-op visitor.
struct NullVisitor {
  template <class F> void operator()(const char*, F&, FieldSpec) {}
};
template <class T>
concept Schema = requires(NullVisitor& v, T& t) { T::fields(v, t); };

struct Context {
  int16_t version;
  bool flexible;
};

// ---- encoding ------------------------------------------------------------------------------

template <class T> void encode_value(Writer& w, const T& v, Context c);
template <Schema T> void encode_struct(Writer& w, const T& s, Context c);

template <class T> void encode_value(Writer& w, const T& v, Context c) {
  if constexpr (std::is_same_v<T, bool>) w.boolean(v);
  else if constexpr (std::is_same_v<T, int8_t>) w.i8(v);
  else if constexpr (std::is_same_v<T, int16_t>) w.i16(v);
  else if constexpr (std::is_same_v<T, uint16_t>) w.u16(v);
  else if constexpr (std::is_same_v<T, int32_t>) w.i32(v);
  else if constexpr (std::is_same_v<T, uint32_t>) w.u32(v);
  else if constexpr (std::is_same_v<T, int64_t>) w.i64(v);
  else if constexpr (std::is_same_v<T, double>) w.f64(v);
  else if constexpr (std::is_same_v<T, Uuid>) w.uuid(v);
  else if constexpr (std::is_same_v<T, std::string>) w.string(v, c.flexible);
  else if constexpr (std::is_same_v<T, Bytes>) w.bytes(v.data, c.flexible);
  else if constexpr (std::is_same_v<T, Records>) w.records(v, c.flexible);
  else if constexpr (is_vector<T>::value) {
    w.array_len(v.size(), c.flexible);
    for (const auto& e : v) encode_value(w, e, c);
  } else if constexpr (Schema<T>) encode_struct(w, v, c);
  else static_assert(sizeof(T) == 0, "no wire encoding for this type");
}

// Types with a null representation on the wire.
template <class T>
constexpr bool kNullableOnWire =
    std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> || is_vector<T>::value || Schema<T>;

template <class T> void encode_nullable(Writer& w, const std::optional<T>& v, Context c) {
  if (v) return encode_value(w, *v, c);
  if constexpr (std::is_same_v<T, std::string>) w.nullable_string(std::nullopt, c.flexible);
  else if constexpr (std::is_same_v<T, Bytes>) w.null_bytes(c.flexible);
  else if constexpr (is_vector<T>::value) w.null_array(c.flexible);
  else if constexpr (Schema<T>) w.i8(-1);  // nullable struct: int8 presence marker
  else static_assert(sizeof(T) == 0, "type cannot be null on the wire");
}

struct EncodeVisitor {
  Writer& w;
  Context c;
  template <class F> void operator()(const char*, const F& value, FieldSpec s) {
    if (!s.present(c.version) || s.tag >= 0) return;
    if constexpr (is_optional<F>::value) {
      using Inner = typename F::value_type;
      if constexpr (Schema<Inner>) {
        // Nullable struct fields carry an int8 marker (-1 null, 1 present).
        if (!value) { w.i8(-1); return; }
        w.i8(1);
        encode_value(w, *value, c);
      } else if (!kNullableOnWire<Inner>) {
        encode_value(w, value.value_or(Inner{}), c);  // only tagged scalars are optional
      } else if (c.version < s.nullable_min && !value) {
        encode_value(w, Inner{}, c);  // null is not expressible in this version: send empty
      } else {
        if constexpr (kNullableOnWire<Inner>) encode_nullable(w, value, c);
      }
    } else {
      encode_value(w, value, c);
    }
  }
};

struct TaggedCountVisitor {
  Context c;
  uint32_t count = 0;
  template <class F> void operator()(const char*, const F& value, FieldSpec s) {
    if constexpr (is_optional<F>::value)
      if (s.tag >= 0 && s.present(c.version) && value) ++count;
  }
};

struct TaggedEncodeVisitor {
  Writer& w;
  Context c;
  template <class F> void operator()(const char*, const F& value, FieldSpec s) {
    if constexpr (is_optional<F>::value) {
      if (s.tag < 0 || !s.present(c.version) || !value) return;
      Writer tmp;
      encode_value(tmp, *value, c);
      w.uvarint(static_cast<uint32_t>(s.tag));
      w.uvarint(static_cast<uint32_t>(tmp.size()));
      w.raw(tmp.buffer().data(), tmp.size());
    }
  }
};

template <Schema T> void encode_struct(Writer& w, const T& s, Context c) {
  EncodeVisitor ev{w, c};
  T::fields(ev, s);
  if (c.flexible) {
    TaggedCountVisitor tc{c};
    T::fields(tc, s);
    w.uvarint(tc.count);
    if (tc.count) {
      TaggedEncodeVisitor te{w, c};
      T::fields(te, s);
    }
  }
}

// ---- decoding ------------------------------------------------------------------------------

template <class T> void decode_value(Reader& r, T& v, Context c);
template <Schema T> void decode_struct(Reader& r, T& s, Context c);
template <class E> void decode_elements(Reader& r, std::vector<E>& v, size_t n, Context c);

template <class T> void decode_value(Reader& r, T& v, Context c) {
  if constexpr (std::is_same_v<T, bool>) v = r.boolean();
  else if constexpr (std::is_same_v<T, int8_t>) v = r.i8();
  else if constexpr (std::is_same_v<T, int16_t>) v = r.i16();
  else if constexpr (std::is_same_v<T, uint16_t>) v = r.u16();
  else if constexpr (std::is_same_v<T, int32_t>) v = r.i32();
  else if constexpr (std::is_same_v<T, uint32_t>) v = r.u32();
  else if constexpr (std::is_same_v<T, int64_t>) v = r.i64();
  else if constexpr (std::is_same_v<T, double>) v = r.f64();
  else if constexpr (std::is_same_v<T, Uuid>) v = r.uuid();
  else if constexpr (std::is_same_v<T, std::string>) v = r.string(c.flexible);
  else if constexpr (std::is_same_v<T, Bytes>) {
    auto b = r.bytes(c.flexible);
    if (!b) throw ProtocolError("null in non-nullable bytes");
    v.data.assign(b->begin(), b->end());
  } else if constexpr (std::is_same_v<T, Records>) {
    auto b = r.bytes(c.flexible);
    v = Records{};
    if (!b) v.is_null = true; else v.view = *b;
  } else if constexpr (is_vector<T>::value) {
    auto n = r.array_len(c.flexible);
    if (n < 0) throw ProtocolError("null in non-nullable array");
    decode_elements(r, v, static_cast<size_t>(n), c);
  } else if constexpr (Schema<T>) decode_struct(r, v, c);
  else static_assert(sizeof(T) == 0, "no wire decoding for this type");
}

// Elements are appended as they decode and the up-front reservation is capped, so a hostile
// count costs at most what the frame's bytes can really fill (array_len already bounds the count
// by the bytes left; an element struct can be far larger in memory than on the wire).
template <class E> void decode_elements(Reader& r, std::vector<E>& v, size_t n, Context c) {
  constexpr size_t kMaxReserve = (64 * 1024) / sizeof(E) + 1;
  v.clear();
  v.reserve(n < kMaxReserve ? n : kMaxReserve);
  for (size_t i = 0; i < n; ++i) decode_value(r, v.emplace_back(), c);
}

// Engages an optional with a value-initialised T. Not optional::emplace(): clang (LLVM issue
// #36032) caches std::is_default_constructible as false for a nested struct with default member
// initialisers that is used as std::optional<Nested> inside its enclosing message, and emplace()
// is constrained on that trait; aggregate T{} is unaffected.
template <class T> T& engage(std::optional<T>& v) {
  v = T{};
  return *v;
}

template <class T> void decode_nullable(Reader& r, std::optional<T>& v, Context c) {
  if constexpr (std::is_same_v<T, std::string>) v = r.nullable_string(c.flexible);
  else if constexpr (std::is_same_v<T, Bytes>) {
    auto b = r.bytes(c.flexible);
    if (b) v = Bytes(std::vector<uint8_t>(b->begin(), b->end())); else v.reset();
  } else if constexpr (is_vector<T>::value) {
    auto n = r.array_len(c.flexible);
    if (n < 0) { v.reset(); return; }
    decode_elements(r, v.emplace(), static_cast<size_t>(n), c);
  } else if constexpr (Schema<T>) {
    if (r.i8() < 0) { v.reset(); return; }
    decode_struct(r, engage(v), c);
  } else static_assert(sizeof(T) == 0, "type cannot be null on the wire");
}

struct DecodeVisitor {
  Reader& r;
  Context c;
  template <class F> void operator()(const char*, F& value, FieldSpec s) {
    if (!s.present(c.version) || s.tag >= 0) return;
    if constexpr (is_optional<F>::value) {
      using Inner = typename F::value_type;
      if constexpr (kNullableOnWire<Inner>) decode_nullable(r, value, c);
      else decode_value(r, engage(value), c);
    } else {
      decode_value(r, value, c);
    }
  }
};

struct TaggedDecodeVisitor {
  Reader& r;
  Context c;
  uint32_t tag;
  bool found = false;
  template <class F> void operator()(const char*, F& value, FieldSpec s) {
    if constexpr (is_optional<F>::value) {
      if (s.tag < 0 || static_cast<uint32_t>(s.tag) != tag || !s.present(c.version)) return;
      decode_value(r, engage(value), c);
      found = true;
    }
  }
};

inline void skip_tagged_fields(Reader& r) {
  uint32_t n = r.uvarint();
  for (uint32_t i = 0; i < n; ++i) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

template <Schema T> void decode_struct(Reader& r, T& s, Context c) {
  DecodeVisitor dv{r, c};
  T::fields(dv, s);
  if (!c.flexible) return;
  uint32_t n = r.uvarint();
  if (n > r.remaining()) throw ProtocolError("tagged field count exceeds frame");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t tag = r.uvarint();
    uint32_t size = r.uvarint();
    Reader sub(r.take(size));
    TaggedDecodeVisitor tv{sub, c, tag};
    T::fields(tv, s);  // unknown tags are skipped, as Kafka does
  }
}

}  // namespace kafka::proto
