/* picture: what the tests that look at pictures share: a PNG reader, enough
 * for Chromium's screenshots (8-bit RGB or RGBA, not interlaced), and where
 * headless Chromium is (Debian's chromium, which `tools/install-deps --test`
 * installs when it can). */
#ifndef TRAINSIM_TEST_PICTURE_H
#define TRAINSIM_TEST_PICTURE_H

typedef struct {
    unsigned       width, height, channels;
    unsigned char* pixels;   /* rows of width x channels bytes */
} image;

/* Reads PATH into IMG (pixels malloc'ed); -1 if it is not a PNG this reads. */
int read_png(const char* path, image* img);

/* The pixel at (X, Y) of IMG: its first three channels. */
const unsigned char* pixel_at(const image* img, unsigned x, unsigned y);

/* $CHROMIUM, else /usr/bin/chromium if it is there, else NULL. */
const char* chromium(void);

#endif
