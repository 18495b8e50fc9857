#include "csctp_shim.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <usrsctp.h>

static rtc_sctp_output_fn output_callback;
static rtc_sctp_receive_fn receive_callback;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
    (void)tos;
    (void)set_df;
    output_callback(addr, buffer, length);
    return 0;
}

static void init_stack(void) {
    usrsctp_init_nothreads(0, conn_output, NULL);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_pr_enable(1);
    usrsctp_sysctl_set_sctp_reconfig_enable(1);
}

void rtc_sctp_init(rtc_sctp_output_fn output, rtc_sctp_receive_fn receive) {
    output_callback = output;
    receive_callback = receive;
    pthread_once(&init_once, init_stack);
}

void rtc_sctp_handle_timers(uint32_t elapsed_milliseconds) { usrsctp_handle_timers(elapsed_milliseconds); }

static int on_receive(struct socket *sock, union sctp_sockstore addr, void *data, size_t length,
                      struct sctp_rcvinfo info, int flags, void *ulp_info) {
    (void)sock;
    (void)addr;
    if (data == NULL) return 1;   // the association ended; a notification says why
    int out = 0;
    if (flags & MSG_EOR) out |= RTC_SCTP_END_OF_MESSAGE;
    if (flags & MSG_NOTIFICATION) out |= RTC_SCTP_NOTIFICATION;
    if (info.rcv_flags & SCTP_UNORDERED) out |= RTC_SCTP_UNORDERED;
    receive_callback(ulp_info, data, length, info.rcv_sid, ntohl(info.rcv_ppid), out);
    free(data);
    return 1;
}

static int set_option(struct socket *sock, int level, int name, const void *value, socklen_t length) {
    return usrsctp_setsockopt(sock, level, name, value, length) == 0 ? 0 : errno;
}

struct socket *rtc_sctp_open(void *context, uint16_t local_port, uint16_t streams, uint32_t receive_buffer,
                             uint32_t send_buffer, uint32_t rto_initial, uint32_t rto_min, uint32_t rto_max) {
    usrsctp_register_address(context);
    struct socket *sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, on_receive, NULL, 0, context);
    if (sock == NULL) {
        usrsctp_deregister_address(context);
        return NULL;
    }
    int failed = usrsctp_set_non_blocking(sock, 1) != 0 ? errno : 0;
    usrsctp_set_ulpinfo(sock, context);
    int rcvbuf = (int)receive_buffer, sndbuf = (int)send_buffer, on = 1;
    if (!failed) failed = set_option(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (!failed) failed = set_option(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (!failed) failed = set_option(sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on);
    if (!failed) failed = set_option(sock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on);
    struct linger linger_option = {.l_onoff = 1, .l_linger = 0};
    if (!failed) failed = set_option(sock, SOL_SOCKET, SO_LINGER, &linger_option, sizeof linger_option);
    struct sctp_assoc_value reset = {.assoc_id = SCTP_ALL_ASSOC, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ};
    if (!failed) failed = set_option(sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset);
    struct sctp_initmsg init = {.sinit_num_ostreams = streams, .sinit_max_instreams = streams};
    if (!failed) failed = set_option(sock, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init);
    struct sctp_rtoinfo rto = {.srto_assoc_id = SCTP_FUTURE_ASSOC, .srto_initial = rto_initial, .srto_max = rto_max,
                               .srto_min = rto_min};
    if (!failed) failed = set_option(sock, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto);
    const uint16_t events[] = {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SEND_FAILED_EVENT};
    for (size_t i = 0; !failed && i < sizeof events / sizeof events[0]; i++) {
        struct sctp_event event = {.se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i], .se_on = 1};
        failed = set_option(sock, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof event);
    }
    struct sockaddr_conn local = {.sconn_family = AF_CONN, .sconn_port = htons(local_port), .sconn_addr = context};
    if (!failed && usrsctp_bind(sock, (struct sockaddr *)&local, sizeof local) != 0) failed = errno;
    if (failed) {
        usrsctp_close(sock);
        usrsctp_deregister_address(context);
        errno = failed;
        return NULL;
    }
    return sock;
}

int rtc_sctp_connect(struct socket *sock, void *context, uint16_t remote_port) {
    struct sockaddr_conn remote = {.sconn_family = AF_CONN, .sconn_port = htons(remote_port), .sconn_addr = context};
    if (usrsctp_connect(sock, (struct sockaddr *)&remote, sizeof remote) == 0) return 0;
    return errno;
}

void rtc_sctp_input(void *context, const void *bytes, size_t length) {
    usrsctp_conninput(context, bytes, length, 0);
}

ssize_t rtc_sctp_send(struct socket *sock, uint16_t stream, uint32_t ppid, int unordered, uint16_t pr_policy,
                      uint32_t pr_value, const void *data, size_t length) {
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof spa);
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
    if (pr_policy != SCTP_PR_SCTP_NONE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = pr_policy;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    return usrsctp_sendv(sock, data, length, NULL, 0, &spa, (socklen_t)sizeof spa, SCTP_SENDV_SPA, 0);
}

int rtc_sctp_reset_streams(struct socket *sock, const uint16_t *streams, uint16_t count) {
    size_t size = sizeof(struct sctp_reset_streams) + (size_t)count * sizeof(uint16_t);
    struct sctp_reset_streams *request = calloc(1, size);
    if (request == NULL) return ENOMEM;
    request->srs_assoc_id = SCTP_ALL_ASSOC;
    request->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    request->srs_number_streams = count;
    memcpy(request->srs_stream_list, streams, (size_t)count * sizeof(uint16_t));
    int result = usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, request, (socklen_t)size) == 0 ? 0 : errno;
    free(request);
    return result;
}

void rtc_sctp_close(struct socket *sock, void *context, int abort) {
    if (abort) {
        struct linger linger_option = {.l_onoff = 1, .l_linger = 0};
        usrsctp_setsockopt(sock, SOL_SOCKET, SO_LINGER, &linger_option, sizeof linger_option);
    }
    usrsctp_shutdown(sock, SHUT_RDWR);
    usrsctp_close(sock);
    usrsctp_deregister_address(context);
}

int rtc_sctp_writable(struct socket *sock) { return (usrsctp_get_events(sock) & SCTP_EVENT_WRITE) != 0; }

int rtc_sctp_notification(const void *data, size_t length, uint16_t *type, uint16_t *state, uint16_t *streams,
                          size_t capacity, size_t *stream_count) {
    *stream_count = 0;
    *state = 0;
    if (length < sizeof(struct sctp_tlv)) return -1;
    const union sctp_notification *note = data;
    if (note->sn_header.sn_length > length) return -1;
    *type = note->sn_header.sn_type;
    if (*type == SCTP_ASSOC_CHANGE) {
        if (length < sizeof(struct sctp_assoc_change)) return -1;
        *state = note->sn_assoc_change.sac_state;
    } else if (*type == SCTP_STREAM_RESET_EVENT) {
        if (length < sizeof(struct sctp_stream_reset_event)) return -1;
        const struct sctp_stream_reset_event *event = &note->sn_strreset_event;
        *state = event->strreset_flags;
        if (note->sn_header.sn_length < sizeof(struct sctp_stream_reset_event)) return -1;
        size_t count = (note->sn_header.sn_length - sizeof(struct sctp_stream_reset_event)) / sizeof(uint16_t);
        if (count > capacity) count = capacity;
        memcpy(streams, event->strreset_stream_list, count * sizeof(uint16_t));
        *stream_count = count;
    }
    return 0;
}
