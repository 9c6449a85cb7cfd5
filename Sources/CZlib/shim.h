// zlib (Debian zlib1g-dev): gzip content coding of playlists and manifests.
#include <zlib.h>

// deflateInit2 is a macro (it passes the header's version and z_stream size), which Swift
// does not import: a gzip stream (window bits 15 + 16 for the gzip wrapper), memory level 8.
static inline int vod_gzip_deflate_init(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
