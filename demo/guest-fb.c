/*
 * pseries-demo: the guest's drawing, done by the guest's CPU in guest RAM.
 */
#include <math.h>

#include "guest.h"

static uint32_t hue_to_rgb(double h, double shade)
{
    /* h in [0, 1): a smooth walk round the colour wheel. */
    double r = 0.5 + 0.5 * cos(2 * G_PI * (h + 0.00));
    double g = 0.5 + 0.5 * cos(2 * G_PI * (h + 0.33));
    double b = 0.5 + 0.5 * cos(2 * G_PI * (h + 0.67));

    return (uint32_t)(r * shade * 255) << 16 |
           (uint32_t)(g * shade * 255) << 8 |
           (uint32_t)(b * shade * 255);
}

void guest_draw_framebuffer(uint32_t *fb, uint32_t width, uint32_t height,
                            uint64_t page_size)
{
    double cx = width / 2.0, cy = height / 2.0;
    double ring = MIN(width, height) * 0.33;
    uint32_t x, y;

    for (y = 0; y < height; y++) {
        for (x = 0; x < width; x++) {
            uint64_t offset = ((uint64_t)y * width + x) * 4;
            double dx = x - cx, dy = y - cy;
            double d = sqrt(dx * dx + dy * dy);
            double v = sin(x / 23.0) + sin(y / 17.0) + sin((x + y) / 31.0) +
                       sin(d / 13.0);
            /* Alternate IOMMU pages are darker: the picture shows the TCEs. */
            double shade = (offset / page_size) % 2 ? 0.78 : 1.0;
            uint32_t px = hue_to_rgb(v / 5.0, shade);

            if (fabs(d - ring) < 5.0) {
                px = 0xf0f0f0;
            } else if (fabs(d - ring) < 8.0) {
                px = 0x101010;
            }
            fb[(size_t)y * width + x] = px;
        }
    }
}
