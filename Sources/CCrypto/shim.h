// OpenSSL's libcrypto (Debian libssl-dev): SHA-256 for ingest checksums and ETags.
#include <openssl/sha.h>
#include <openssl/evp.h>
