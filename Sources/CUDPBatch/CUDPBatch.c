#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include "CUDPBatch.h"

_Static_assert(sizeof(struct rtc_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct rtc_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int rtc_sendmmsg(int fd, struct rtc_mmsghdr *messages, unsigned int vlen, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, vlen, flags);
}

int rtc_recvmmsg(int fd, struct rtc_mmsghdr *messages, unsigned int vlen, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, vlen, flags, NULL);
}
