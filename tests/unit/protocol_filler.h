// Test helper: fills any declared message with deterministic non-default values, walking the
// same fields() declarations as the codec. Every field present in the version is set (arrays get
// two elements, nested structs are filled recursively, optionals are engaged, tagged fields only
// in flexible versions). In Mode::Nulls every field that may be null in the version is left null
// and tagged fields are left absent. Used by the round-trip test and the fuzz seed writer.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "kafka/protocol/protocol.h"

namespace kafka::proto::test_support {

enum class Mode { Full, Nulls };

template <class T> void fill_value(T& v, Context c, Mode mode, uint32_t& seed);

struct Filler {
  Context c;
  Mode mode;
  uint32_t& seed;
  template <class F> void operator()(const char*, F& value, FieldSpec s) {
    if (!s.present(c.version)) return;
    if constexpr (is_optional<F>::value) {
      using Inner = typename F::value_type;
      if (s.tag >= 0) {
        // Tagged fields exist only in flexible versions.
        if (!c.flexible || mode == Mode::Nulls) { value.reset(); return; }
      } else if constexpr (kNullableOnWire<Inner>) {
        if (mode == Mode::Nulls && c.version >= s.nullable_min) { value.reset(); return; }
      }
      fill_value(engage(value), c, mode, seed);  // not emplace(), see schema.h
    } else {
      fill_value(value, c, mode, seed);
    }
  }
};

template <class T> void fill_value(T& v, Context c, Mode mode, uint32_t& seed) {
  ++seed;
  if constexpr (std::is_same_v<T, bool>) {
    v = !v;  // starts at its default
  } else if constexpr (std::is_integral_v<T>) {
    v = static_cast<T>(seed * 37u + 11u);
  } else if constexpr (std::is_same_v<T, double>) {
    v = seed + 0.25;
  } else if constexpr (std::is_same_v<T, Uuid>) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(seed + i);
  } else if constexpr (std::is_same_v<T, std::string>) {
    v = "s" + std::to_string(seed);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    v.data = {static_cast<uint8_t>(seed), 0, 0xff, static_cast<uint8_t>(seed >> 8)};
  } else if constexpr (std::is_same_v<T, Records>) {
    if (mode == Mode::Nulls) {
      v = Records::null();
    } else {
      std::vector<uint8_t> b(7);
      for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed * 3 + i);
      v = Records::copy_of(b);
    }
  } else if constexpr (is_vector<T>::value) {
    v.clear();
    v.resize(2);
    for (auto& e : v) fill_value(e, c, mode, seed);
  } else if constexpr (Schema<T>) {
    Filler f{c, mode, seed};
    T::fields(f, v);
  } else {
    static_assert(sizeof(T) == 0, "filler does not know this type");
  }
}

template <class M> M make_filled(int16_t version, Mode mode) {
  M m;
  uint32_t seed = 0;
  fill_value(m, context_for<M>(version), mode, seed);
  return m;
}

}  // namespace kafka::proto::test_support
