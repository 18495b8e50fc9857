#ifndef RTCBRIDGE_CUDPBATCH_H
#define RTCBRIDGE_CUDPBATCH_H
#include <sys/socket.h>

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
