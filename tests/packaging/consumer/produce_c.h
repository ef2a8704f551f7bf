#pragma once
#ifdef __cplusplus
extern "C" {
#endif
int produce_c(const char *bootstrap, const char *topic, int count);
#ifdef __cplusplus
}
#endif
