#include <zlib.h>
#include <stdint.h>
#include <string.h>

/// One row of native-endian ARGB32 words as R, G, B bytes (opaque) or R, G, B, A bytes
/// un-premultiplied as Cairo does it: c·255 + a/2) / a, and 0 where a = 0.
static inline void cnn_png_unpack_row(const unsigned char *words, long width, int opaque, unsigned char *row) {
    const uint32_t *w = (const uint32_t *)(const void *)words;
    if (opaque) {
        for (long x = 0; x < width; x++) {
            uint32_t v = w[x];
            row[3 * x] = (unsigned char)(v >> 16); row[3 * x + 1] = (unsigned char)(v >> 8); row[3 * x + 2] = (unsigned char)v;
        }
        return;
    }
    for (long x = 0; x < width; x++) {
        uint32_t v = w[x], a = v >> 24, r = (v >> 16) & 0xFF, g = (v >> 8) & 0xFF, b = v & 0xFF;
        if (a == 0) {
            r = 0; g = 0; b = 0;
        } else if (a != 0xFF) {
            r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a;
        }
        row[4 * x] = (unsigned char)r; row[4 * x + 1] = (unsigned char)g; row[4 * x + 2] = (unsigned char)b; row[4 * x + 3] = (unsigned char)a;
    }
}

/// The opaque case of cnn_png_up_rows, straight from the words: no alpha to divide by, so the
/// difference of two pixels' R, G, B bytes is the bytewise difference of their words (each byte
/// mod 256, no borrow from one byte into the next), taken four bytes at a time.
static inline void cnn_png_up_rows_rgb(const unsigned char *data, long width, long height, long stride,
                                       unsigned char *raw) {
    long n = width * 3;
    for (long y = 0; y < height; y++) {
        unsigned char *line = raw + y * (n + 1);
        const uint32_t *w = (const uint32_t *)(const void *)(data + y * stride);
        const uint32_t *above = y > 0 ? (const uint32_t *)(const void *)(data + (y - 1) * stride) : NULL;
        line[0] = 2;
        for (long x = 0; x < width; x++) {
            uint32_t v = w[x], p = above ? above[x] : 0;
            uint32_t d = ((v | 0x80808080u) - (p & 0x7F7F7F7Fu)) ^ ((v ^ ~p) & 0x80808080u);
            unsigned char *out = line + 1 + 3 * x;
            out[0] = (unsigned char)(d >> 16); out[1] = (unsigned char)(d >> 8); out[2] = (unsigned char)d;
        }
    }
}

/// PNG scanlines of `height` rows of ARGB32 words `stride` bytes apart: each row the filter byte
/// 2 ("Up"), then its bytes (cnn_png_unpack_row) minus the bytes of the unfiltered row above (the
/// first row as it is). `raw` holds height·(width·channels + 1) bytes; `scratch` 2·width·channels.
static inline void cnn_png_up_rows(const unsigned char *data, long width, long height, long stride, int opaque,
                                   unsigned char *raw, unsigned char *scratch) {
    if (opaque) {
        cnn_png_up_rows_rgb(data, width, height, stride, raw);
        return;
    }
    long n = width * (opaque ? 3 : 4);
    for (long y = 0; y < height; y++) {
        unsigned char *line = raw + y * (n + 1);
        unsigned char *current = scratch + (y & 1) * n;
        const unsigned char *above = scratch + ((y + 1) & 1) * n;
        line[0] = 2;
        cnn_png_unpack_row(data + y * stride, width, opaque, current);
        if (y == 0) {
            memcpy(line + 1, current, (size_t)n);
        } else {
            for (long i = 0; i < n; i++) line[1 + i] = (unsigned char)(current[i] - above[i]);
        }
    }
}

/// Whether every pixel of `height` rows of ARGB32 words `stride` bytes apart has alpha 0xFF.
static inline int cnn_png_is_opaque(const unsigned char *data, long width, long height, long stride) {
    for (long y = 0; y < height; y++) {
        const uint32_t *w = (const uint32_t *)(const void *)(data + y * stride);
        uint32_t all = 0xFFFFFFFFu;
        for (long x = 0; x < width; x++) all &= w[x];
        if ((all >> 24) != 0xFF) return 0;
    }
    return 1;
}
