#ifndef RTCBRIDGE_CSRTP_SHIM_H
#define RTCBRIDGE_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
