/*
 * evdev end-to-end test program (run under the front door's preload by src/e2e.test.ts): opens
 * an event device, asks what an evdev program asks (name, id, bits, axes), then reads events.
 *
 *   evread DEV N blocking   read(2) N events with a blocking descriptor, 24-byte buffers
 *   evread DEV N poll       O_NONBLOCK: an empty read first (EAGAIN), then poll + read N events
 *   evread DEV N drain      O_NONBLOCK: after a line on stdin, reads until EAGAIN ("drained=COUNT"),
 *                           then poll + read N more events
 *
 * Output: "key=value" lines, one "ev TYPE CODE VALUE" line per event; "ready=1" once it waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int bit(const unsigned char *bits, int n) { return (bits[n / 8] >> (n % 8)) & 1; }

static void describe(int fd) {
  char name[256] = {0};
  int r = ioctl(fd, EVIOCGNAME(sizeof name), name);
  printf("name_ret=%d\nname=%s\n", r, name);
  int version = 0;
  ioctl(fd, EVIOCGVERSION, &version);
  printf("version=%#x\n", version);
  struct input_id id;
  ioctl(fd, EVIOCGID, &id);
  printf("id=%u:%u:%u:%u\n", id.bustype, id.vendor, id.product, id.version);
  unsigned char ev[8] = {0}, keys[KEY_MAX / 8 + 1] = {0};
  printf("evbits_ret=%d\n", ioctl(fd, EVIOCGBIT(0, sizeof ev), ev));
  printf("ev_key=%d\nev_abs=%d\nev_rep=%d\n", bit(ev, EV_KEY), bit(ev, EV_ABS), bit(ev, EV_REP));
  printf("keybits_ret=%d\n", ioctl(fd, EVIOCGBIT(EV_KEY, sizeof keys), keys));
  printf("key_a=%d\nbtn_left=%d\n", bit(keys, KEY_A), bit(keys, BTN_LEFT));
  struct input_absinfo abs;
  memset(&abs, 0, sizeof abs);
  int ar = ioctl(fd, EVIOCGABS(ABS_X), &abs);
  if (ar < 0) printf("absx=%d:%d\n", ar, errno);
  else printf("absx=%d:%d:%d:%d\n", ar, abs.minimum, abs.maximum, abs.value);
  int bad = ioctl(fd, EVIOCGNAME(16), (void *)8);
  printf("bad_name=%d:%d\n", bad, errno);
  int mono = CLOCK_MONOTONIC;
  printf("clock=%d\n", ioctl(fd, EVIOCSCLOCKID, &mono));
}

static void print_event(const struct input_event *e) {
  printf("ev %u %u %d %ld.%06ld\n", e->type, e->code, e->value, (long)e->time.tv_sec, (long)e->time.tv_usec);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int n = atoi(argv[2]);
  int drain = strcmp(argv[3], "drain") == 0;
  int nonblock = drain || strcmp(argv[3], "poll") == 0;
  int fd = open(argv[1], O_RDONLY | (nonblock ? O_NONBLOCK : 0));
  if (fd < 0) { printf("open_errno=%d\n", errno); return 1; }
  describe(fd);
  struct input_event e;
  if (nonblock) {
    ssize_t r = read(fd, &e, sizeof e);
    printf("empty_read=%zd:%d\n", r, r < 0 ? errno : 0);
  }
  printf("ready=1\n");
  fflush(stdout);
  if (drain) {
    char line[16];
    if (!fgets(line, sizeof line, stdin)) return 1;
    long count = 0;
    while (read(fd, &e, sizeof e) == (ssize_t)sizeof e) count++;
    printf("drain_errno=%d\ndrained=%ld\n", errno, count);
    print_event(&e);
    fflush(stdout);
  }
  for (int got = 0; got < n;) {
    if (nonblock) {
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, -1) != 1) { printf("poll_errno=%d\n", errno); return 1; }
    }
    ssize_t r = read(fd, &e, sizeof e);
    if (r != (ssize_t)sizeof e) { printf("read=%zd:%d\n", r, errno); return 1; }
    print_event(&e);
    got++;
  }
  printf("done=1\n");
  return close(fd) == 0 ? 0 : 1;
}
