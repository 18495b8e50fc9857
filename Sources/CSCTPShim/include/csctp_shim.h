#ifndef RTCBRIDGE_CSCTP_SHIM_H
#define RTCBRIDGE_CSCTP_SHIM_H
// A small C surface over usrsctp (AF_CONN sockets, no usrsctp threads) for the SCTP engine:
// usrsctp's structs, unions and by-value callbacks stay on this side.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct socket;

/// Called (on the calling thread) with one SCTP packet for the association `context` to send.
typedef void (*rtc_sctp_output_fn)(void *context, const void *bytes, size_t length);
/// Called with one received piece of a message (`flags` has RTC_SCTP_END_OF_MESSAGE on its last
/// piece) or a notification (`flags` has RTC_SCTP_NOTIFICATION; parse with rtc_sctp_notification).
typedef void (*rtc_sctp_receive_fn)(void *context, const void *data, size_t length, uint16_t stream,
                                    uint32_t ppid, int flags);

#define RTC_SCTP_END_OF_MESSAGE 0x1
#define RTC_SCTP_NOTIFICATION 0x2
#define RTC_SCTP_UNORDERED 0x4

/// Once per process (idempotent): usrsctp without its timer threads, ECN off, no checksum on
/// AF_CONN (the DTLS record already authenticates), our output callback.
void rtc_sctp_init(rtc_sctp_output_fn output, rtc_sctp_receive_fn receive);
/// Advances usrsctp's (process-wide) timers; callbacks run on the calling thread.
void rtc_sctp_handle_timers(uint32_t elapsed_milliseconds);

/// An AF_CONN one-to-one socket for `context`, non-blocking, bound to `local_port`, with stream
/// reset, PR-SCTP and the notifications the engine needs. NULL with errno on failure.
/// RTO bounds in milliseconds (RFC 4960 §6.3.1; usrsctp measures RTT on the real clock).
struct socket *rtc_sctp_open(void *context, uint16_t local_port, uint16_t streams, uint32_t receive_buffer,
                             uint32_t send_buffer, uint32_t rto_initial, uint32_t rto_min, uint32_t rto_max);
/// Starts the association (both WebRTC peers connect). 0 or EINPROGRESS on success, else errno.
int rtc_sctp_connect(struct socket *sock, void *context, uint16_t remote_port);
/// Hands one inbound SCTP packet to usrsctp.
void rtc_sctp_input(void *context, const void *bytes, size_t length);
/// Sends one message. `pr_policy`: 0 reliable, 1 lifetime (ms in pr_value), 3 retransmissions.
/// Returns the bytes accepted, or -1 with errno (EWOULDBLOCK when the send buffer is full).
ssize_t rtc_sctp_send(struct socket *sock, uint16_t stream, uint32_t ppid, int unordered, uint16_t pr_policy,
                      uint32_t pr_value, const void *data, size_t length);
/// Resets the outgoing side of `count` streams (RFC 6525); 0 or errno.
int rtc_sctp_reset_streams(struct socket *sock, const uint16_t *streams, uint16_t count);
/// Closes the socket (abortive when `abort`) and forgets `context`.
void rtc_sctp_close(struct socket *sock, void *context, int abort);
/// 1 when a send would not block (usrsctp's SCTP_EVENT_WRITE), else 0.
int rtc_sctp_writable(struct socket *sock);

/// Reads a notification: its type; for SCTP_ASSOC_CHANGE (1) `state` is sac_state; for
/// SCTP_STREAM_RESET_EVENT (9) `state` is strreset_flags and up to `capacity` stream ids go to
/// `streams` (their number to `*stream_count`). 0, or -1 when the notification is malformed.
int rtc_sctp_notification(const void *data, size_t length, uint16_t *type, uint16_t *state, uint16_t *streams,
                          size_t capacity, size_t *stream_count);

#endif
