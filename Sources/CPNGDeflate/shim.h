#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// One row of native-endian ARGB32 words as R, G, B, A bytes un-premultiplied as Cairo does it:
/// (c·255 + a/2) / a, and 0 where a = 0.
static inline void cnn_png_unpack_rgba_row(const unsigned char *words, long width, unsigned char *row) {
    const uint32_t *w = (const uint32_t *)(const void *)words;
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

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CNN_PNG_VECTOR_ROWS 1
/// Sixteen bytes: four ARGB32 words, which a little-endian machine stores as B, G, R, A.
typedef unsigned char cnn_png_v16 __attribute__((vector_size(16)));
#endif
#endif

/// Row `y` of an opaque image as a PNG scanline: the filter byte 2 ("Up"), then R, G, B of each
/// pixel minus R, G, B of the pixel above (0 above the first row), each byte mod 256. With no
/// alpha to divide by, four pixels are subtracted as 16 bytes at once and their R, G, B bytes
/// picked out in order, where the compiler has vectors; else, and for the last pixels, one by one.
static inline void cnn_png_up_row_rgb(const unsigned char *data, long y, long width, long stride, unsigned char *line) {
    const unsigned char *row = data + y * stride;
    const unsigned char *above = y > 0 ? row - stride : NULL;
    unsigned char *out = line + 1;
    line[0] = 2;
    long x = 0;
#ifdef CNN_PNG_VECTOR_ROWS
    for (; x + 4 <= width; x += 4) {
        cnn_png_v16 v, p = {0};
        memcpy(&v, row + 4 * x, 16);
        if (above) memcpy(&p, above + 4 * x, 16);
        cnn_png_v16 d = v - p;
        cnn_png_v16 rgb = __builtin_shufflevector(d, d, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 3, 7, 11, 15);
        memcpy(out + 3 * x, &rgb, 12);
    }
#endif
    for (; x < width; x++) {
        uint32_t v, p = 0;
        memcpy(&v, row + 4 * x, 4);
        if (above) memcpy(&p, above + 4 * x, 4);
        out[3 * x] = (unsigned char)((v >> 16) - (p >> 16));
        out[3 * x + 1] = (unsigned char)((v >> 8) - (p >> 8));
        out[3 * x + 2] = (unsigned char)(v - p);
    }
}

/// Row `y` of an image with alpha as a PNG scanline: the filter byte 2 ("Up"), then its R, G, B,
/// A bytes (cnn_png_unpack_rgba_row) minus those of the row above. `scratch` holds 2·width·4
/// bytes, the unfiltered row and the one above it in turn, so rows must come in order from 0.
static inline void cnn_png_up_row_rgba(const unsigned char *data, long y, long width, long stride,
                                       unsigned char *line, unsigned char *scratch) {
    long n = width * 4;
    unsigned char *current = scratch + (y & 1) * n;
    const unsigned char *above = scratch + ((y + 1) & 1) * n;
    line[0] = 2;
    cnn_png_unpack_rgba_row(data + y * stride, width, current);
    if (y == 0) {
        memcpy(line + 1, current, (size_t)n);
    } else {
        for (long i = 0; i < n; i++) line[1 + i] = (unsigned char)(current[i] - above[i]);
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

/// A bound on the zlib stream of `count` bytes: igzip writes a block stored when deflating does not
/// make it shorter, so the stream is at most the bytes themselves, 5 bytes per stored block of up
/// to 64 KB, and a Huffman block's header; this leaves room for all of it.
static inline long cnn_png_deflate_bound(long count) {
    return count + count / 64 + 8 * ISAL_DEF_MAX_HDR_SIZE + 1024;
}

/// Deflates `count` filtered bytes at `in` into the zlib stream `z`; `last` ends the stream.
/// Returns 0, or -1 when the output is full or igzip fails.
static inline int cnn_png_deflate_band(struct isal_zstream *z, unsigned char *in, long count, int last) {
    z->next_in = in;
    z->avail_in = (uint32_t)count;
    z->end_of_stream = last ? 1 : 0;
    z->flush = NO_FLUSH;
    if (isal_deflate(z) != COMP_OK || z->avail_in != 0) return -1;
    if (last && z->internal_state.state != ZSTATE_END) return -1;
    return 0;
}

/// The zlib stream of an image's PNG scanlines (RGB rows when `opaque`, else RGBA; each filtered
/// with "Up"), deflated by ISA-L's igzip at its level 1, a band of 32 rows at a time (the bands
/// are always the same for the same image, so the same pixels give the same bytes), and the
/// whole filtered image is never held in memory. Writes at most `capacity` bytes to `out`
/// (`cnn_png_deflate_bound` of all the rows is enough); returns the number written, or -1.
static inline long cnn_png_deflate_rows(const unsigned char *data, long width, long height, long stride, int opaque,
                                        unsigned char *out, long capacity) {
    const long band = 32;
    long lineBytes = width * (opaque ? 3 : 4) + 1;
    unsigned char *lines = malloc((size_t)(band * lineBytes));
    unsigned char *scratch = opaque ? NULL : malloc((size_t)(2 * width * 4 + 1));
    unsigned char *levelBuffer = malloc(ISAL_DEF_LVL1_DEFAULT);
    struct isal_zstream *z = malloc(sizeof *z);
    int status = (lines && (opaque || scratch) && levelBuffer && z) ? 0 : -1;
    if (status == 0) {
        isal_deflate_init(z);
        z->level = 1;
        z->level_buf = levelBuffer;
        z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
        z->gzip_flag = IGZIP_ZLIB;
        z->next_out = out;
        z->avail_out = (uint32_t)capacity;
    }
    for (long y0 = 0; y0 < height && status == 0; y0 += band) {
        long rows = height - y0 < band ? height - y0 : band;
        for (long r = 0; r < rows; r++) {
            if (opaque) cnn_png_up_row_rgb(data, y0 + r, width, stride, lines + r * lineBytes);
            else cnn_png_up_row_rgba(data, y0 + r, width, stride, lines + r * lineBytes, scratch);
        }
        status = cnn_png_deflate_band(z, lines, rows * lineBytes, y0 + rows >= height);
    }
    if (status == 0 && height <= 0) status = cnn_png_deflate_band(z, lines, 0, 1);
    long written = status == 0 ? (long)z->total_out : -1;
    free(lines);
    free(scratch);
    free(levelBuffer);
    free(z);
    return written;
}
