/*
 * A real program for the front door's tests (run under the preload library). It prints
 * "key=value" lines the tests parse. Commands:
 *   node DEV                 open/ioctl/stat/access/dup/read/write/lseek with good and bad pointers
 *   pages DEV N[@PGOFF] P... map N pages (at file page PGOFF), store once into each page P, fsync, exit
 *   stress DEV N SEED T C K  T threads store random words into N mapped pages for C cycles while
 *                            the main thread writes, pwrites, fsyncs, remaps and reopens at random;
 *                            K > 0: SIGKILL itself after K main-thread steps
 *   absurd DEV               mmap with absurd lengths and offsets
 *   exit DEV STEP            exits (_exit) at step STEP of open, ioctl, mmap, store
 *   garbage SOCKET           speaks nonsense on the server socket, then checks it still answers
 *   fork DEV                 maps and stores, forks: the child stores into the inherited mapping and
 *                            opens and maps the device itself; both exit normally
 *   events DEV               an ioctl queues two records; poll + read them natively, whole records per read
 *   frame DEV                an input device's read waits for the rest of a half-queued frame
 *   hold DEV                 map, store, wait for stdin to close, store again (SIGBUS once revoked)
 *   bench DEV N ROUNDS       ns per first store to a tracked page vs a minor fault on shared memory
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
struct testdev_info {
  uint32_t size, value;
};
#define TESTDEV_GET _IOR('T', 1, struct testdev_info)
#define TESTDEV_SET _IOW('T', 2, uint32_t)

/* an address nothing maps, hidden from the compiler's buffer checks */
static volatile uintptr_t bad_address = 16;
static void *bad_pointer(void) { return (void *)bad_address; }

static void say_errno(const char *what, long r) { printf("%s=%ld:%d\n", what, r, r < 0 ? errno : 0); }

static int cmd_node(const char *dev) {
  struct stat st;
  printf("access=%d\n", access(dev, R_OK | W_OK));
  int r = stat(dev, &st);
  printf("stat=%d rdev=%u:%u chr=%d\n", r, major(st.st_rdev), minor(st.st_rdev), S_ISCHR(st.st_mode));
  int fd = open(dev, O_RDWR);
  say_errno("open", fd);
  if (fd < 0) return 1;
  memset(&st, 0, sizeof st);
  r = fstat(fd, &st);
  printf("fstat=%d frdev=%u:%u fchr=%d\n", r, major(st.st_rdev), minor(st.st_rdev), S_ISCHR(st.st_mode));
  struct testdev_info info = {0, 0};
  say_errno("get", ioctl(fd, TESTDEV_GET, &info));
  printf("size=%u value=%u\n", info.size, info.value);
  uint32_t v = 0xC0FFEE;
  say_errno("set", ioctl(fd, TESTDEV_SET, &v));
  say_errno("get_bad", ioctl(fd, TESTDEV_GET, (void *)16));
  say_errno("set_bad", ioctl(fd, TESTDEV_SET, (void *)16));
  /* a readable but unmapped-after-the-first-page range: EFAULT, nothing written */
  char *edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(edge + PAGE, PAGE);
  struct testdev_info *straddle = (struct testdev_info *)(edge + PAGE - 4);
  memset(edge, 0x5a, PAGE);
  say_errno("get_straddle", ioctl(fd, TESTDEV_GET, straddle));
  printf("straddle_untouched=%d\n", *(uint32_t *)(edge + PAGE - 4) == 0x5a5a5a5a);
  say_errno("get2", ioctl(fd, TESTDEV_GET, &info));
  printf("value2=%u\n", info.value);
  say_errno("unknown", ioctl(fd, _IO('T', 99), 0));
  char buf[8] = "ABCDEFG";
  say_errno("pwrite", pwrite(fd, buf, 7, 100));
  say_errno("lseek", lseek(fd, 100, SEEK_SET));
  char back[8] = {0};
  say_errno("read", read(fd, back, 7));
  printf("readback=%s\n", back);
  say_errno("read_bad", read(fd, bad_pointer(), 7));
  int fd2 = dup(fd);
  say_errno("dup", fd2);
  say_errno("close_orig", close(fd));
  say_errno("get_dup", ioctl(fd2, TESTDEV_GET, &info));
  int fd3 = fcntl(fd2, F_DUPFD_CLOEXEC, 50);
  say_errno("dupfd", fd3);
  say_errno("close2", close(fd2));
  say_errno("fsync", fsync(fd3));
  say_errno("close3", close(fd3));
  say_errno("get_closed", ioctl(fd3, TESTDEV_GET, &info));
  FILE *f = fopen(dev, "r+");
  printf("fopen=%d\n", f != NULL);
  if (f) {
    say_errno("fileno_get", ioctl(fileno(f), TESTDEV_GET, &info));
    fclose(f);
  }
  return 0;
}

static uint32_t *map_at(int fd, size_t pages, off_t offset) {
  void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (p == MAP_FAILED) {
    printf("mmap_errno=%d\n", errno);
    fflush(stdout);
    exit(2);
  }
  return p;
}

static uint32_t *map_dev(int fd, size_t pages) { return map_at(fd, pages, 0); }

static int cmd_pages(const char *dev, int argc, char **argv) {
  int fd = open(dev, O_RDWR);
  char *at = NULL;
  size_t n = strtoul(argv[0], &at, 0); /* N or N@PGOFF */
  uint32_t *p = map_at(fd, n, *at == '@' ? (off_t)strtoul(at + 1, NULL, 0) * PAGE : 0);
  for (int i = 1; i < argc; i++) {
    size_t page = strtoul(argv[i], NULL, 0);
    p[page * PAGE / 4 + 7] = 0x1000 + (uint32_t)page;
  }
  /* loads never enlist */
  volatile uint32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += p[i * PAGE / 4];
  say_errno("fsync", fsync(fd));
  munmap(p, n * PAGE);
  close(fd);
  return 0;
}

/* --- stress --- */
struct shared {
  const char *dev;
  size_t pages;
  volatile uint32_t *map;
  pthread_rwlock_t lock; /* writers hold it shared; remap holds it exclusive */
  volatile int stop;
};

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static struct shared S;

static void *writer(void *arg) {
  uint64_t seed = (uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
  while (!S.stop) {
    pthread_rwlock_rdlock(&S.lock);
    if (S.map) {
      size_t words = S.pages * PAGE / 4;
      int span = (int)(rnd(&seed) % 64) + 1;
      size_t at = rnd(&seed) % (words - (size_t)span);
      uint32_t v = (uint32_t)rnd(&seed);
      for (int i = 0; i < span; i++) S.map[at + (size_t)i] = v + (uint32_t)i;
    }
    pthread_rwlock_unlock(&S.lock);
  }
  return NULL;
}

static int cmd_stress(const char *dev, char **argv) {
  S.dev = dev;
  S.pages = strtoul(argv[0], NULL, 0);
  uint64_t seed = strtoull(argv[1], NULL, 0) | 1;
  int threads = atoi(argv[2]), cycles = atoi(argv[3]), kill_at = atoi(argv[4]);
  pthread_rwlock_init(&S.lock, NULL);
  int fd = open(dev, O_RDWR);
  if (fd < 0) return printf("open_errno=%d\n", errno), 1;
  S.map = map_dev(fd, S.pages);
  pthread_t t[16];
  for (int i = 0; i < threads && i < 16; i++) pthread_create(&t[i], NULL, writer, (void *)(uintptr_t)(seed + (uint64_t)i));
  uint8_t buf[3 * PAGE];
  for (int step = 1; step <= cycles; step++) {
    if (kill_at && step == kill_at) kill(getpid(), SIGKILL);
    size_t len = rnd(&seed) % sizeof buf + 1;
    off_t at = (off_t)(rnd(&seed) % (S.pages * PAGE - len));
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)rnd(&seed);
    switch (rnd(&seed) % 6) {
      case 0:
        if (pwrite(fd, buf, len, at) != (ssize_t)len) printf("pwrite_errno=%d\n", errno);
        break;
      case 1:
        lseek(fd, at, SEEK_SET);
        if (write(fd, buf, len) != (ssize_t)len) printf("write_errno=%d\n", errno);
        break;
      case 2:
        if (fsync(fd) != 0) printf("fsync_errno=%d\n", errno);
        break;
      case 3: /* munmap and map again */
        pthread_rwlock_wrlock(&S.lock);
        munmap((void *)S.map, S.pages * PAGE);
        S.map = map_dev(fd, S.pages);
        pthread_rwlock_unlock(&S.lock);
        break;
      case 4: { /* close the descriptor (the mapping keeps the file), open a new one */
        int nfd = open(dev, O_RDWR);
        close(fd);
        fd = nfd;
        break;
      }
      default:
        usleep((useconds_t)(rnd(&seed) % 2000));
    }
  }
  S.stop = 1;
  for (int i = 0; i < threads && i < 16; i++) pthread_join(t[i], NULL);
  printf("done=1\n");
  return 0;
}

static int cmd_absurd(const char *dev) {
  int fd = open(dev, O_RDWR);
  size_t lens[] = {0, 1UL << 46, (size_t)-PAGE, 1UL << 40};
  for (int i = 0; i < 4; i++) {
    void *p = mmap(NULL, lens[i], PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("len%d=%d:%d\n", i, p == MAP_FAILED ? -1 : 0, p == MAP_FAILED ? errno : 0);
  }
  void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 123);
  printf("unaligned=%d:%d\n", p == MAP_FAILED ? -1 : 0, p == MAP_FAILED ? errno : 0);
  p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)1 << 50);
  printf("far=%d:%d\n", p == MAP_FAILED ? -1 : 0, p == MAP_FAILED ? errno : 0);
  /* a mapping longer than the device: the tail is SIGBUS, the head works */
  struct testdev_info info;
  ioctl(fd, TESTDEV_GET, &info);
  uint32_t *q = mmap(NULL, info.size + 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("long=%d\n", q == MAP_FAILED ? -1 : 0);
  if (q != MAP_FAILED) {
    q[0] = 42;
    printf("head=%u\n", q[0]);
    fflush(stdout);
    q[info.size / 4] = 1; /* SIGBUS */
    printf("tail_written=1\n");
  }
  return 0;
}

static int cmd_exit(const char *dev, int step) {
  int fd = open(dev, O_RDWR);
  if (step == 1) _exit(0);
  struct testdev_info info;
  ioctl(fd, TESTDEV_GET, &info);
  if (step == 2) _exit(0);
  uint32_t *p = map_dev(fd, 4);
  if (step == 3) _exit(0);
  p[0] = 1;
  p[PAGE / 4 * 3] = 3;
  if (step == 4) _exit(0);
  close(fd);
  if (step == 5) _exit(0); /* mapping still holds the file */
  munmap(p, 4 * PAGE);
  return 0;
}

static int cmd_garbage(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
  int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) return printf("connect_errno=%d\n", errno), 1;
  uint8_t junk[200];
  int64_t rep[4];
  int answered = 0, errors = 0;
  uint64_t seed = 12345;
  for (int i = 0; i < 200; i++) {
    size_t len = rnd(&seed) % sizeof junk + 1;
    for (size_t k = 0; k < len; k++) junk[k] = (uint8_t)rnd(&seed);
    if (i % 3 == 0) junk[0] = (uint8_t)(rnd(&seed) % 14), junk[1] = junk[2] = junk[3] = 0; /* known ops, bad args */
    send(s, junk, len, 0);
    if (recv(s, rep, sizeof rep, 0) == (ssize_t)sizeof rep) answered++, errors += rep[0] < 0;
  }
  printf("answered=%d errors=%d\n", answered, errors);
  return 0;
}

static int cmd_fork(const char *dev) {
  int fd = open(dev, O_RDWR);
  volatile uint32_t *p = map_dev(fd, 4);
  p[0] = 1;
  pid_t child = fork();
  if (child == 0) {
    p[PAGE / 4] = 2; /* inherited mapping: plain shared memory in the child */
    int cfd = open(dev, O_RDWR);
    volatile uint32_t *q = map_dev(cfd, 4);
    q[2 * PAGE / 4] = 3;
    say_errno("child_fsync", fsync(cfd));
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  printf("child_ok=%d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  p[3 * PAGE / 4] = 4;
  say_errno("parent_fsync", fsync(fd));
  return 0;
}

static int cmd_events(const char *dev) {
  int fd = open(dev, O_RDWR);
  say_errno("open", fd);
  say_errno("queue", ioctl(fd, _IO('T', 3), 0));
  struct pollfd p = {fd, POLLIN, 0};
  say_errno("poll", poll(&p, 1, -1));
  char a[64] = {0}, b[64] = {0}, c[64] = {0};
  say_errno("read1", read(fd, a, 8)); /* hello; world! does not fit in the 3 bytes left */
  say_errno("read2", read(fd, b, sizeof b));
  say_errno("queue2", ioctl(fd, _IO('T', 3), 0));
  say_errno("poll2", poll(&p, 1, -1));
  say_errno("read3", read(fd, c, sizeof c)); /* both records, as evdev fills the buffer */
  printf("rec1=%s rec2=%s rec3=%s\n", a, b, c);
  say_errno("close", close(fd));
  return 0;
}

static struct {
  pid_t reader;
  int fd, done;
} F;

/* Queues the frame's SYN_REPORT once the reader waits in poll (or has returned without waiting). */
static void *finish_frame(void *arg) {
  (void)arg;
  char path[64], call[32] = {0};
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)F.reader);
  while (!__atomic_load_n(&F.done, __ATOMIC_ACQUIRE)) {
    int s = open(path, O_RDONLY);
    ssize_t n = read(s, call, sizeof call - 1);
    close(s);
    if (n > 0 && (!strncmp(call, "7 ", 2) || !strncmp(call, "271 ", 4))) break; /* poll, ppoll */
  }
  say_errno("queue_syn", ioctl(F.fd, _IO('T', 4), 0));
  return NULL;
}

static int cmd_frame(const char *dev) {
  F.fd = open(dev, O_RDWR);
  say_errno("open", F.fd);
  F.reader = (pid_t)syscall(SYS_gettid);
  say_errno("queue_abs", ioctl(F.fd, _IO('T', 3), 0));
  pthread_t t;
  pthread_create(&t, NULL, finish_frame, NULL);
  char buf[96];
  ssize_t n = read(F.fd, buf, sizeof buf);
  __atomic_store_n(&F.done, 1, __ATOMIC_RELEASE);
  say_errno("read", n);
  pthread_join(t, NULL);
  uint16_t type = 0xffff;
  if (n >= 48) memcpy(&type, buf + 24 + 16, 2);
  printf("second_type=%d\n", type);
  return 0;
}

static int cmd_hold(const char *dev) {
  int fd = open(dev, O_RDWR);
  volatile uint32_t *p = map_dev(fd, 4);
  p[0] = 1;
  printf("mapped=1\n");
  char c;
  while (read(0, &c, 1) > 0) {
  }
  p[1] = 2;
  printf("stored_after=1\n");
  return 0;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmd_bench(const char *dev, size_t pages, int rounds) {
  int fd = open(dev, O_RDWR);
  volatile uint8_t *p = (volatile uint8_t *)map_dev(fd, pages);
  uint64_t tracked = 0, minor = 0;
  int memfd = memfd_create("bench", 0);
  if (ftruncate(memfd, (off_t)(pages * PAGE)) < 0) return 1;
  uint8_t *fill = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  memset(fill, 1, pages * PAGE);
  munmap(fill, pages * PAGE);
  for (int r = 0; r < rounds; r++) {
    fsync(fd); /* every page clean and write-protected */
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < pages; i++) p[i * PAGE] = (uint8_t)r;
    tracked += now_ns() - t0;
    /* the floor: a minor write fault on shared memory whose pages exist (mapped afresh) */
    volatile uint8_t *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    t0 = now_ns();
    for (size_t i = 0; i < pages; i++) m[i * PAGE] = 1;
    minor += now_ns() - t0;
    munmap((void *)m, pages * PAGE);
  }
  printf("tracked_ns=%.0f minor_ns=%.0f\n", (double)tracked / rounds / pages, (double)minor / rounds / pages);
  /* an ioctl with a user pointer through the front door vs a real syscall that fails fast */
  struct testdev_info info;
  int null = open("/dev/null", O_RDONLY);
  uint64_t t0 = now_ns();
  for (int i = 0; i < 1000; i++) ioctl(fd, TESTDEV_GET, &info);
  uint64_t door = now_ns() - t0;
  t0 = now_ns();
  for (int i = 0; i < 1000; i++) ioctl(null, TESTDEV_GET, &info);
  printf("ioctl_ns=%.0f syscall_ns=%.0f\n", (double)door / 1000, (double)(now_ns() - t0) / 1000);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 3) return 64;
  const char *cmd = argv[1], *dev = argv[2];
  if (!strcmp(cmd, "node")) return cmd_node(dev);
  if (!strcmp(cmd, "pages") && argc >= 4) return cmd_pages(dev, argc - 3, argv + 3);
  if (!strcmp(cmd, "stress") && argc >= 8) return cmd_stress(dev, argv + 3);
  if (!strcmp(cmd, "absurd")) return cmd_absurd(dev);
  if (!strcmp(cmd, "exit") && argc >= 4) return cmd_exit(dev, atoi(argv[3]));
  if (!strcmp(cmd, "garbage")) return cmd_garbage(dev);
  if (!strcmp(cmd, "events")) return cmd_events(dev);
  if (!strcmp(cmd, "frame")) return cmd_frame(dev);
  if (!strcmp(cmd, "fork")) return cmd_fork(dev);
  if (!strcmp(cmd, "hold")) return cmd_hold(dev);
  if (!strcmp(cmd, "bench") && argc >= 5) return cmd_bench(dev, strtoul(argv[3], NULL, 0), atoi(argv[4]));
  return 64;
}
