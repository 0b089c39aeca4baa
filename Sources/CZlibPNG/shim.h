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

/// Deflate's fixed Huffman codes (RFC 1951, 3.2.6), bit-reversed to be written least significant
/// bit first: each byte as a literal, and each run length 3…258 as its length code, extra bits and
/// distance code 0 (a distance of 1: "the byte before, again"), in one value of `runBits[len]` bits.
typedef struct {
    uint32_t literal[256]; uint8_t literalBits[256];
    uint32_t run[259]; uint8_t runBits[259];
} cnn_png_codes;

static inline uint32_t cnn_png_reverse(uint32_t code, int bits) {
    uint32_t r = 0;
    for (int i = 0; i < bits; i++) { r = (r << 1) | (code & 1); code >>= 1; }
    return r;
}

static inline void cnn_png_codes_init(cnn_png_codes *t) {
    for (int v = 0; v < 256; v++) {
        t->literal[v] = v < 144 ? cnn_png_reverse(0x30 + v, 8) : cnn_png_reverse(0x190 + v - 144, 9);
        t->literalBits[v] = v < 144 ? 8 : 9;
    }
    static const int base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const int extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    for (int len = 3; len <= 258; len++) {
        int c = 28;
        while (base[c] > len) c--;
        int symbol = 257 + c, bits = symbol < 280 ? 7 : 8;
        uint32_t code = symbol < 280 ? cnn_png_reverse((uint32_t)(symbol - 256), 7) : cnn_png_reverse((uint32_t)(0xC0 + symbol - 280), 8);
        code |= (uint32_t)(len - base[c]) << bits;
        t->run[len] = code;
        t->runBits[len] = (uint8_t)(bits + extra[c] + 5); // then the 5 zero bits of distance code 0
    }
}

/// A deflate stream being written: whole bytes to `out`, up to 63 pending bits in `acc`, and the
/// Adler-32 sums (a, b) of the bytes it encodes.
typedef struct { unsigned char *out; long pos; uint64_t acc; int bits; uint32_t a, b; } cnn_png_stream;

static inline void cnn_png_put(cnn_png_stream *w, uint32_t value, int bits) {
    w->acc |= (uint64_t)value << w->bits;
    w->bits += bits;
    if (w->bits >= 32) {
        uint32_t low = (uint32_t)w->acc;
        memcpy(w->out + w->pos, &low, 4); // little-endian order is deflate's bit order
        w->pos += 4;
        w->acc >>= 32;
        w->bits -= 32;
    }
}

/// How many bytes from `d[i]` on (up to `end`) equal `d[i - 1]`: 32 at a time, then eight.
static inline long cnn_png_run(const unsigned char *d, long i, long end) {
    const uint64_t pattern = 0x0101010101010101ull * d[i - 1];
    long j = i;
    for (; j + 32 <= end; j += 32) {
        uint64_t x[4];
        memcpy(x, d + j, 32);
        if (((x[0] ^ pattern) | (x[1] ^ pattern) | (x[2] ^ pattern) | (x[3] ^ pattern)) != 0) break;
    }
    for (; j + 8 <= end; j += 8) {
        uint64_t x;
        memcpy(&x, d + j, 8);
        x ^= pattern;
        if (x) return j + (__builtin_ctzll(x) >> 3) - i; // the first byte that differs (little-endian)
    }
    while (j < end && d[j] == d[i - 1]) j++;
    return j - i;
}

/// Encodes `n` bytes `d[0..<n)` (`d[-1]` is the byte before them when `first` is 0): each run of
/// 3 or more copies of the byte before it as distance-1 matches of up to 258, every other byte as
/// a literal, updating the Adler-32 sums (a run of L copies of p adds L·p to a and L·a + p·L(L+1)/2 to b).
static inline void cnn_png_encode_bytes(cnn_png_stream *w, const cnn_png_codes *t, const unsigned char *d, long n, int first) {
    const uint32_t mod = 65521;
    long i = 0;
    while (i < n) {
        if ((i > 0 || !first) && i + 2 < n && d[i] == d[i - 1] && d[i + 1] == d[i - 1] && d[i + 2] == d[i - 1]) {
            long length = cnn_png_run(d, i, n);
            uint64_t L = (uint64_t)length, p = d[i - 1];
            w->b = (uint32_t)((w->b + (L % mod) * w->a + p * ((L * (L + 1) / 2) % mod)) % mod);
            w->a = (uint32_t)((w->a + (L % mod) * p) % mod);
            i += length;
            while (length >= 3) {
                long m = length < 258 ? length : 258;
                if (length - m > 0 && length - m < 3) m -= 3; // leave a whole match, not 1 or 2 bytes
                cnn_png_put(w, t->run[m], t->runBits[m]);
                length -= m;
            }
            for (long k = 0; k < length; k++) cnn_png_put(w, t->literal[p], t->literalBits[p]); // 0 to 2 left
            continue;
        }
        unsigned char v = d[i++];
        cnn_png_put(w, t->literal[v], t->literalBits[v]);
        w->a += v;
        if (w->a >= mod) w->a -= mod;
        w->b += w->a;
        if (w->b >= mod) w->b -= mod;
    }
}

/// The most bytes `cnn_png_deflate_rows` writes for `rawCount` bytes of scanlines: 9 bits a byte
/// (the longest literal), plus the header, the end of the block and the Adler-32.
static inline long cnn_png_deflate_bound(long rawCount) { return rawCount + rawCount / 8 + 64; }

/// The zlib stream (RFC 1950) of an image's PNG scanlines (RGB rows when `opaque`, else RGBA;
/// each filtered with "Up"), a band of rows at a time, as one deflate block with the fixed
/// Huffman codes: runs of a repeated byte (the zeros of the rows that equal the row above, and
/// of the flat stretches) as distance-1 matches, every other byte as a literal. No search for
/// matches: about one instruction a byte on a figure's rows, a tenth of zlib's fastest level,
/// for about twice its size. Writes at most `capacity` bytes (`cnn_png_deflate_bound`) to
/// `out`; returns the number written, or -1 (out of memory or room).
static inline long cnn_png_deflate_rows(const unsigned char *data, long width, long height, long stride, int opaque,
                                        unsigned char *out, long capacity) {
    const long band = 32;
    long lineBytes = width * (opaque ? 3 : 4) + 1;
    if (capacity < cnn_png_deflate_bound(lineBytes * height)) return -1;
    unsigned char *lines = malloc((size_t)(band * lineBytes + 1));
    unsigned char *scratch = opaque ? NULL : malloc((size_t)(2 * width * 4 + 1));
    cnn_png_codes *codes = malloc(sizeof(cnn_png_codes));
    long written = -1;
    if (lines && (opaque || scratch) && codes) {
        cnn_png_codes_init(codes);
        cnn_png_stream w = {out, 0, 0, 0, 1, 0};
        out[0] = 0x78; out[1] = 0x01; // deflate, 32 KB window; the check bits make 0x7801 a multiple of 31
        w.pos = 2;
        cnn_png_put(&w, 3, 3); // the last block (1), fixed Huffman codes (01)
        for (long y0 = 0; y0 < height; y0 += band) {
            long rows = height - y0 < band ? height - y0 : band;
            // lines[0] keeps the last byte of the band before, so a run may go on from it.
            if (y0 > 0) lines[0] = lines[band * lineBytes];
            for (long r = 0; r < rows; r++) {
                long y = y0 + r;
                unsigned char *line = lines + 1 + r * lineBytes;
                // A row equal to the one above filters to zeros (the usual row of a figure).
                if (opaque && y > 0 && memcmp(data + y * stride, data + (y - 1) * stride, (size_t)(width * 4)) == 0) {
                    line[0] = 2;
                    memset(line + 1, 0, (size_t)(lineBytes - 1));
                } else if (opaque) {
                    cnn_png_up_row_rgb(data, y, width, stride, line);
                } else {
                    cnn_png_up_row_rgba(data, y, width, stride, line, scratch);
                }
            }
            cnn_png_encode_bytes(&w, codes, lines + 1, rows * lineBytes, y0 == 0);
        }
        cnn_png_put(&w, 0, 7); // end of block: code 256, seven 0 bits
        while (w.bits > 0) { out[w.pos++] = (unsigned char)w.acc; w.acc >>= 8; w.bits -= 8; }
        unsigned char adler[4] = {(unsigned char)(w.b >> 8), (unsigned char)w.b, (unsigned char)(w.a >> 8), (unsigned char)w.a};
        memcpy(out + w.pos, adler, 4);
        written = w.pos + 4;
    }
    free(lines);
    free(scratch);
    free(codes);
    return written;
}
