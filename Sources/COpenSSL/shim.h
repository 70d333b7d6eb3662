#ifndef TONGKA_COPENSSL_SHIM_H
#define TONGKA_COPENSSL_SHIM_H

/* The small part of libcrypto (OpenSSL 3) that TongkaCardCrypto uses:
   EVP block ciphers with padding off, RAND_bytes, OPENSSL_cleanse, CRYPTO_memcmp. */
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/err.h>

#endif
