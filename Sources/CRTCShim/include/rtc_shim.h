// Small C wrappers for OpenSSL function-like macros and helpers Swift cannot import.
// Only <openssl/types.h> here, so this module does not re-export OpenSSL without the
// deprecation guard (NATIVE-NOTES).
#ifndef RTCBRIDGE_RTC_SHIM_H
#define RTCBRIDGE_RTC_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

/// HMAC-SHA1 (20-byte output) over data with key. Returns 1 on success.
int rtc_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len, uint8_t out[20]);

/// Cryptographically secure random bytes. Returns 1 on success.
int rtc_random_bytes(uint8_t *out, size_t len);

// MARK: - DTLS (RFC 6347) helpers for the DTLS target

/// Restricts `ctx` to DTLS 1.2 (min and max protocol version). Returns 1 on success.
int rtc_ssl_ctx_set_dtls12_only(SSL_CTX *ctx);

/// Sets the key-exchange groups, e.g. "X25519:P-256:P-384". Returns 1 on success.
int rtc_ssl_ctx_set_groups(SSL_CTX *ctx, const char *groups);

/// Sets SSL_OP_NO_QUERY_MTU, SSL_OP_NO_RENEGOTIATION and SSL_OP_NO_TICKET, then fixes the link MTU
/// (DTLS_set_link_mtu). Returns 1 on success, 0 if the MTU is below OpenSSL's minimum.
int rtc_dtls_configure_mtu(SSL *ssl, long link_mtu);

/// DTLSv1_get_timeout: 1 and the remaining microseconds if a retransmit timer runs, else 0.
int rtc_dtls_get_timeout(SSL *ssl, int64_t *remaining_us);

/// DTLSv1_handle_timeout: 1 if a flight was retransmitted, 0 if no timer expired, -1 on error.
int rtc_dtls_handle_timeout(SSL *ssl);

/// BIO_set_retry_read.
void rtc_bio_set_retry_read(BIO *bio);

/// BIO_clear_retry_flags.
void rtc_bio_clear_retry_flags(BIO *bio);

/// A fresh ECDSA P-256 key pair (EVP_EC_gen), or NULL.
EVP_PKEY *rtc_generate_p256_key(void);

/// Adds "CN=<common_name>" (ASCII) to `name`. Returns 1 on success.
int rtc_x509_name_add_common_name(X509_NAME *name, const char *common_name);

/// OPENSSL_free.
void rtc_openssl_free(void *pointer);

#endif
