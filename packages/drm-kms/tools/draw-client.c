/*
 * A dumb-buffer KMS client that draws WITHOUT DIRTYFB: create a dumb buffer, map it, ADDFB,
 * SETCRTC with the connector's first mode, then plain stores into the scanned-out buffer.
 * The uapi structs are declared here (x86-64 layouts as in drm_mode.h) so no libdrm is needed.
 *   draw-client <card> <connector_id> <crtc_id>   prints "ready", then on each stdin line
 *   "<y>" fills row y with 0x00ff0000 and prints "stored <y>"; EOF exits.
 * Paced modes for benchmarks (N whole frames at F fps, then "cpu <µs>" of the client itself):
 *   draw-client <card> <conn> <crtc> flip N F    draws the back buffer, PAGE_FLIP with event, waits
 *                                               for the event; prints "flip <µs>" per frame
 *   draw-client <card> <conn> <crtc> dirty N F   stores CLOCK_MONOTONIC ns in pixels 0–2 (24 bits
 *                                               each) then DIRTYFB of them: the compositor reads them back
 *   draw-client fb <fbdev> N F                   the same whole frames through /dev/fbN's mmap
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <poll.h>
#include <sys/resource.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct modeinfo { uint32_t clock; uint16_t h[5], v[5]; uint32_t vrefresh, flags, type; char name[32]; };
struct get_connector {
  uint64_t encoders_ptr, modes_ptr, props_ptr, prop_values_ptr;
  uint32_t count_modes, count_props, count_encoders, encoder_id, connector_id, connector_type;
  uint32_t connector_type_id, connection, mm_width, mm_height, subpixel, pad;
};
struct create_dumb { uint32_t height, width, bpp, flags, handle, pitch; uint64_t size; };
struct map_dumb { uint32_t handle, pad; uint64_t offset; };
struct fb_cmd { uint32_t fb_id, width, height, pitch, bpp, depth, handle; };
struct crtc {
  uint64_t set_connectors_ptr;
  uint32_t count_connectors, crtc_id, fb_id, x, y, gamma_size, mode_valid;
  struct modeinfo mode;
};

struct page_flip { uint32_t crtc_id, fb_id, flags, reserved; uint64_t user_data; };
struct fb_dirty { uint32_t fb_id, flags, color, num_clips; uint64_t clips_ptr; };
struct clip_rect { uint16_t x1, y1, x2, y2; };

#define IOWR(nr, t) _IOWR('d', nr, struct t)
#define PAGE_FLIP_EVENT 1

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* sleeps until frame i's deadline (start + i / fps) */
static void pace(uint64_t start, unsigned i, unsigned fps) {
  uint64_t at = start + (uint64_t)i * 1000000000u / fps;
  struct timespec t = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) };
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

/* one whole frame: every pixel stored, a colour per frame (the same work in every mode) */
static void fill(uint32_t *px, unsigned width, unsigned height, unsigned pitch, uint32_t colour) {
  for (unsigned y = 0; y < height; y++)
    for (unsigned x = 0; x < width; x++) px[y * (pitch / 4) + x] = colour;
}

static void print_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
  printf("cpu %ld\n", us);
}

static int fb_frames(const char *path, unsigned n, unsigned fps) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) { perror("open"); return 1; }
  struct fb_var_screeninfo var;
  struct fb_fix_screeninfo fix;
  if (ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) { perror("FBIOGET"); return 1; }
  uint32_t *px = mmap(0, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (px == MAP_FAILED) { perror("mmap"); return 1; }
  uint64_t start = now_ns();
  for (unsigned i = 0; i < n; i++) {
    fill(px, var.xres, var.yres, fix.line_length, 0x00102030u + i);
    pace(start, i + 1, fps);
  }
  print_cpu();
  return 0;
}

static void must(int fd, unsigned long req, void *arg, const char *what) {
  if (ioctl(fd, req, arg)) { perror(what); exit(1); }
}

/* flip: two buffers, each frame drawn into the back one, then flipped to with an event */
static int flip_frames(int fd, uint32_t crtc_id, uint32_t *px[2], uint32_t fbs[2], struct create_dumb *cd, unsigned n,
                       unsigned fps) {
  uint64_t start = now_ns();
  for (unsigned i = 0; i < n; i++) {
    unsigned back = (i + 1) % 2;
    fill(px[back], cd->width, cd->height, cd->pitch, 0x00102030u + i);
    struct page_flip pf = { .crtc_id = crtc_id, .fb_id = fbs[back], .flags = PAGE_FLIP_EVENT, .user_data = i };
    uint64_t t0 = now_ns();
    must(fd, IOWR(0xb0, page_flip), &pf, "PAGE_FLIP");
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char ev[64];
    if (poll(&p, 1, 5000) != 1 || read(fd, ev, sizeof ev) < 32) { fprintf(stderr, "no flip event\n"); return 1; }
    printf("flip %lu\n", (unsigned long)((now_ns() - t0) / 1000));
    pace(start, i + 1, fps);
  }
  return 0;
}

/* dirty: the time of the DIRTYFB call, in pixels 0-2, is what the compositor output must show */
static int dirty_frames(int fd, uint32_t fb_id, uint32_t *px, unsigned n, unsigned fps) {
  uint64_t start = now_ns();
  struct clip_rect clip = { 0, 0, 3, 1 };
  for (unsigned i = 0; i < n; i++) {
    uint64_t t = now_ns();
    for (int k = 0; k < 3; k++) px[k] = (uint32_t)(t >> (24 * k)) & 0xffffffu;
    struct fb_dirty d = { .fb_id = fb_id, .num_clips = 1, .clips_ptr = (uintptr_t)&clip };
    must(fd, IOWR(0xb1, fb_dirty), &d, "DIRTYFB");
    pace(start, i + 1, fps);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && !strcmp(argv[1], "fb")) return fb_frames(argv[2], strtoul(argv[3], 0, 0), strtoul(argv[4], 0, 0));
  if (argc != 4 && argc != 7) { fprintf(stderr, "usage: %s card connector crtc [flip|dirty N fps]\n", argv[0]); return 2; }
  int fd = open(argv[1], O_RDWR | O_CLOEXEC);
  if (fd < 0) { perror("open"); return 1; }
  uint32_t conn_id = strtoul(argv[2], 0, 0), crtc_id = strtoul(argv[3], 0, 0);
  struct get_connector gc = { .connector_id = conn_id };
  must(fd, IOWR(0xa7, get_connector), &gc, "GETCONNECTOR");
  struct modeinfo *modes = calloc(gc.count_modes, sizeof *modes);
  struct get_connector gc2 = { .connector_id = conn_id, .count_modes = gc.count_modes, .modes_ptr = (uintptr_t)modes };
  must(fd, IOWR(0xa7, get_connector), &gc2, "GETCONNECTOR");
  struct create_dumb cd = { .width = modes[0].h[0], .height = modes[0].v[0], .bpp = 32 };
  must(fd, IOWR(0xb2, create_dumb), &cd, "CREATE_DUMB");
  struct map_dumb md = { .handle = cd.handle };
  must(fd, IOWR(0xb3, map_dumb), &md, "MAP_DUMB");
  uint32_t *px = mmap(0, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, md.offset);
  if (px == MAP_FAILED) { perror("mmap"); return 1; }
  struct fb_cmd fb = { .width = cd.width, .height = cd.height, .pitch = cd.pitch, .bpp = 32, .depth = 24, .handle = cd.handle };
  must(fd, IOWR(0xae, fb_cmd), &fb, "ADDFB");
  struct crtc sc = { .set_connectors_ptr = (uintptr_t)&conn_id, .count_connectors = 1, .crtc_id = crtc_id,
                     .fb_id = fb.fb_id, .mode_valid = 1, .mode = modes[0] };
  must(fd, IOWR(0xa2, crtc), &sc, "SETCRTC");
  if (argc == 7) {
    unsigned n = strtoul(argv[5], 0, 0), fps = strtoul(argv[6], 0, 0);
    int r = 2;
    if (!strcmp(argv[4], "dirty")) r = dirty_frames(fd, fb.fb_id, px, n, fps);
    if (!strcmp(argv[4], "flip")) {
      struct create_dumb cd2 = { .width = cd.width, .height = cd.height, .bpp = 32 };
      must(fd, IOWR(0xb2, create_dumb), &cd2, "CREATE_DUMB");
      struct map_dumb md2 = { .handle = cd2.handle };
      must(fd, IOWR(0xb3, map_dumb), &md2, "MAP_DUMB");
      uint32_t *px2 = mmap(0, cd2.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, md2.offset);
      if (px2 == MAP_FAILED) { perror("mmap"); return 1; }
      struct fb_cmd fb2 = { .width = cd2.width, .height = cd2.height, .pitch = cd2.pitch, .bpp = 32, .depth = 24, .handle = cd2.handle };
      must(fd, IOWR(0xae, fb_cmd), &fb2, "ADDFB");
      uint32_t *bufs[2] = { px, px2 };
      uint32_t fbs[2] = { fb.fb_id, fb2.fb_id };
      r = flip_frames(fd, crtc_id, bufs, fbs, &cd, n, fps);
    }
    print_cpu();
    return r;
  }
  printf("ready\n");
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    unsigned y = strtoul(line, 0, 0);
    if (y >= cd.height) continue;
    for (unsigned x = 0; x < cd.width; x++) px[y * (cd.pitch / 4) + x] = 0x00ff0000;
    printf("stored %u\n", y);
    fflush(stdout);
  }
  return 0;
}
