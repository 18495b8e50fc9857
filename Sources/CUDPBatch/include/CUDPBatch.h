#ifndef RTCBRIDGE_CUDPBATCH_H
#define RTCBRIDGE_CUDPBATCH_H
#include <sys/socket.h>

/// Socket types and flags as plain integers: Swift's Glibc module does not always export the
/// `__socket_type` enumerators (they were missing in release builds here).
enum {
    RTC_SOCK_DGRAM = SOCK_DGRAM,
    RTC_SOCK_STREAM = SOCK_STREAM,
    RTC_SOCK_NONBLOCK = SOCK_NONBLOCK,
    RTC_SOCK_CLOEXEC = SOCK_CLOEXEC,
};

/// `struct mmsghdr` as Linux defines it (visible only with _GNU_SOURCE, which Swift's Glibc
/// module does not set): one message of a sendmmsg(2)/recvmmsg(2) batch.
struct rtc_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// sendmmsg(2): sends up to `vlen` datagrams in one system call; returns how many, or -1.
int rtc_sendmmsg(int fd, struct rtc_mmsghdr *messages, unsigned int vlen, int flags);

/// recvmmsg(2) without a timeout: reads up to `vlen` datagrams; returns how many, or -1.
int rtc_recvmmsg(int fd, struct rtc_mmsghdr *messages, unsigned int vlen, int flags);

#endif
