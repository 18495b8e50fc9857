#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1
#include "rtc_shim.h"
#include <sys/time.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

int rtc_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len, uint8_t out[20]) {
    unsigned int out_len = 0;
    if (HMAC(EVP_sha1(), key, (int)key_len, data, data_len, out, &out_len) == NULL) return 0;
    return out_len == 20;
}

int rtc_random_bytes(uint8_t *out, size_t len) {
    return RAND_bytes(out, (int)len) == 1;
}

int rtc_ssl_ctx_set_dtls12_only(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1
        && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1;
}

int rtc_ssl_ctx_set_groups(SSL_CTX *ctx, const char *groups) {
    return SSL_CTX_set1_groups_list(ctx, groups) == 1;
}

int rtc_dtls_configure_mtu(SSL *ssl, long link_mtu) {
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    return DTLS_set_link_mtu(ssl, link_mtu) == 1;
}

int rtc_dtls_get_timeout(SSL *ssl, int64_t *remaining_us) {
    struct timeval tv = {0, 0};
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return 0;
    *remaining_us = (int64_t)tv.tv_sec * 1000000 + (int64_t)tv.tv_usec;
    return 1;
}

int rtc_dtls_handle_timeout(SSL *ssl) {
    return (int)DTLSv1_handle_timeout(ssl);
}

void rtc_bio_set_retry_read(BIO *bio) {
    BIO_set_retry_read(bio);
}

void rtc_bio_clear_retry_flags(BIO *bio) {
    BIO_clear_retry_flags(bio);
}

EVP_PKEY *rtc_generate_p256_key(void) {
    return EVP_EC_gen("P-256");
}

int rtc_x509_name_add_common_name(X509_NAME *name, const char *common_name) {
    return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)common_name, -1, -1, 0) == 1;
}

void rtc_openssl_free(void *pointer) {
    OPENSSL_free(pointer);
}
