#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <stdlib.h>
#include <string.h>

/// An ARGB32 image surface of `width`×`height` pixels, every pixel opaque white (0xFFFFFFFF):
/// the memory is filled once, instead of being zeroed by Cairo and then painted. The surface owns
/// its memory (freed when Cairo destroys it). NULL when the memory cannot be had; sizes Cairo
/// rejects give Cairo's own error surface.
static inline cairo_surface_t *cnn_cairo_white_image(int width, int height) {
    static cairo_user_data_key_t key;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, width);
    // Sizes Cairo rejects (over 32767 pixels a side): its own error surface, saying why.
    if (width <= 0 || height <= 0 || width > 32767 || height > 32767 || stride <= 0) {
        return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    }
    unsigned char *data = malloc((size_t)stride * (size_t)height);
    if (!data) return NULL;
    memset(data, 0xFF, (size_t)stride * (size_t)height);
    cairo_surface_t *surface = cairo_image_surface_create_for_data(data, CAIRO_FORMAT_ARGB32, width, height, stride);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        free(data);
        return surface;
    }
    if (cairo_surface_set_user_data(surface, &key, data, free) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        free(data);
        return NULL;
    }
    return surface;
}
