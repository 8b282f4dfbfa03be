/* picture: a PNG reader for the tests that look at pictures (Chromium's
 * screenshots), and where headless Chromium is. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"
#include "picture.h"

static unsigned be32(const unsigned char* p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the PNG filters (ISO 15948, Sec. 9) of RAW into IMG's pixels. */
static int unfilter(const unsigned char* raw, image* img)
{
    size_t stride = (size_t)img->width * img->channels, bpp = img->channels;
    img->pixels = malloc(stride * img->height);
    for (unsigned y = 0; y < img->height; y++) {
        const unsigned char* in = raw + y * (stride + 1) + 1;
        unsigned char *out = img->pixels + y * stride, *up = y ? out - stride : NULL;
        int filter = raw[y * (stride + 1)];
        for (size_t i = 0; i < stride; i++) {
            int a = i >= bpp ? out[i - bpp] : 0, b = up ? up[i] : 0, c = up && i >= bpp ? up[i - bpp] : 0;
            int predicted = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2
                          : filter == 4 ? paeth(a, b, c) : -1;
            if (predicted < 0)
                return -1;
            out[i] = (unsigned char)(in[i] + predicted);
        }
    }
    return 0;
}

int read_png(const char* path, image* img)
{
    strbuf file = {0};
    read_file(path, &file);
    const unsigned char* p = (const unsigned char*)file.data;
    size_t n = file.len, at = 8;
    strbuf idat = {0};
    memset(img, 0, sizeof *img);
    int bad = n < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8);
    while (!bad && at + 12 <= n) {
        unsigned len = be32(p + at);
        const unsigned char* type = p + at + 4;
        if (at + 12 + len > n)
            break;
        if (!memcmp(type, "IHDR", 4)) {
            img->width = be32(p + at + 8);
            img->height = be32(p + at + 12);
            int depth = p[at + 16], colour = p[at + 17], interlace = p[at + 20];
            img->channels = colour == 6 ? 4 : colour == 2 ? 3 : 0;
            bad = depth != 8 || !img->channels || interlace;
        } else if (!memcmp(type, "IDAT", 4)) {
            strbuf_append_n(&idat, (const char*)p + at + 8, len);
        }
        at += 12 + len;
    }
    uLongf size = (uLongf)((size_t)img->height * ((size_t)img->width * img->channels + 1));
    unsigned char* raw = bad ? NULL : malloc(size ? size : 1);
    bad = bad || uncompress(raw, &size, (const Bytef*)idat.data, (uLong)idat.len) != Z_OK || unfilter(raw, img);
    free(raw);
    strbuf_free(&idat);
    strbuf_free(&file);
    return bad ? -1 : 0;
}

const unsigned char* pixel_at(const image* img, unsigned x, unsigned y)
{
    return img->pixels + ((size_t)y * img->width + x) * img->channels;
}

const char* chromium(void)
{
    const char* c = getenv("CHROMIUM");
    if (c && *c)
        return c;
    return access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium" : NULL;
}
