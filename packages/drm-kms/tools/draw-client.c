/*
 * A dumb-buffer KMS client that draws WITHOUT DIRTYFB: create a dumb buffer, map it, ADDFB,
 * SETCRTC with the connector's first mode, then plain stores into the scanned-out buffer.
 * The uapi structs are declared here (x86-64 layouts as in drm_mode.h) so no libdrm is needed.
 *   draw-client <card> <connector_id> <crtc_id>   prints "ready", then on each stdin line
 *   "<y>" fills row y with 0x00ff0000 and prints "stored <y>"; EOF exits.
 */
#include <fcntl.h>
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

#define IOWR(nr, t) _IOWR('d', nr, struct t)

static void must(int fd, unsigned long req, void *arg, const char *what) {
  if (ioctl(fd, req, arg)) { perror(what); exit(1); }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s card connector crtc\n", argv[0]); return 2; }
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
