// OpenSSL's libcrypto (Debian libssl-dev): SHA-256 for ingest checksums and ETags, HMAC for
// signed URLs, AES for segment encryption, CRYPTO_memcmp for constant-time comparisons.
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
