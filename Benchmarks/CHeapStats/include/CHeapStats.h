#ifndef RTCBRIDGE_CHEAPSTATS_H
#define RTCBRIDGE_CHEAPSTATS_H
#include <stddef.h>

/// Bytes malloc has handed out and not yet had back (glibc `mallinfo2().uordblks`), for
/// per-session memory benchmarks. Swift's Glibc module does not export <malloc.h>.
size_t rtc_heap_in_use(void);

#endif
