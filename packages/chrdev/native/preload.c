/*
 * fbemu's front door inside a program (LD_PRELOAD). File operations on the device paths listed
 * in FBEMU_DEVICES ("path=major:minor;…") go to the server at FBEMU_SOCKET; the descriptor the
 * program holds is a real socket, so poll/read of queued records work natively. mmap maps the
 * server's memfd and sets up store tracking (FBEMU_TRACKING = async | sync | mprotect).
 * This file marshals and tracks; it decides nothing about devices.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/major.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "fbemu-proto.h"

/* Debian 12's headers predate these (values from the kernel's uapi, 6.4/6.7+) */
#define UFFD_FEATURE_WP_UNPOPULATED_ (1 << 13)
#define UFFD_FEATURE_WP_ASYNC_ (1 << 15)

#define PAGE 4096UL
#define MAX_DEVS 16
#define MAX_FD 65536
#define MAX_MAPS 64
#define EXPORT __attribute__((visibility("default")))

struct dev {
  char path[256];
  unsigned major, minor;
};
struct fdent {
  uint32_t handle;
  uint8_t used, native_read, dev;
};
struct map {
  int used; /* atomic: 1 while the slot describes a live mapping */
  uint32_t id;
  uintptr_t addr;
  size_t len, valid;
  int mode;
  uint32_t *state; /* sync/mprotect: control words + bitmap */
  size_t state_len;
};

static struct dev devs[MAX_DEVS];
static int ndevs;
static struct fdent *fds;
static struct map maps[MAX_MAPS];
/* the connection's descriptor is moved at or above this one */
#define CONN_MIN_FD 200
static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static int conn = -1;
static int want_mode = FBEMU_ASYNC;
static int mode = -1; /* process tracking mode once set up */
static int uffd = -1, evfd = -1, sigbus_fd = -1, trk_sock = -1;
static struct sigaction prev_segv;
static int segv_installed;

/* resolved on first use too: other libraries' constructors may call in before ours ran */
#define REAL(name) (real_##name ? real_##name : (resolve_all(), real_##name))
static void resolve_all(void);
#define DECLARE_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)
DECLARE_REAL(int, open, const char *, int, ...);
DECLARE_REAL(int, openat, int, const char *, int, ...);
DECLARE_REAL(FILE *, fopen, const char *, const char *);
DECLARE_REAL(int, close, int);
DECLARE_REAL(int, ioctl, int, unsigned long, ...);
DECLARE_REAL(void *, mmap, void *, size_t, int, int, int, off_t);
DECLARE_REAL(int, munmap, void *, size_t);
DECLARE_REAL(ssize_t, read, int, void *, size_t);
DECLARE_REAL(ssize_t, write, int, const void *, size_t);
DECLARE_REAL(ssize_t, pread, int, void *, size_t, off_t);
DECLARE_REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
DECLARE_REAL(off_t, lseek, int, off_t, int);
DECLARE_REAL(int, fsync, int);
DECLARE_REAL(int, fdatasync, int);
DECLARE_REAL(int, dup, int);
DECLARE_REAL(int, dup2, int, int);
DECLARE_REAL(int, dup3, int, int, int);
DECLARE_REAL(int, fcntl, int, int, ...);
DECLARE_REAL(int, access, const char *, int);
DECLARE_REAL(int, faccessat, int, const char *, int, int);
DECLARE_REAL(int, stat, const char *, struct stat *);
DECLARE_REAL(int, lstat, const char *, struct stat *);
DECLARE_REAL(int, fstat, int, struct stat *);
DECLARE_REAL(int, fstatat, int, const char *, struct stat *, int);
DECLARE_REAL(int, __xstat, int, const char *, struct stat *);
DECLARE_REAL(int, __lxstat, int, const char *, struct stat *);
DECLARE_REAL(int, __fxstat, int, int, struct stat *);
DECLARE_REAL(int, __fxstatat, int, int, const char *, struct stat *, int);
DECLARE_REAL(int, statx, int, const char *, int, unsigned, struct statx *);
DECLARE_REAL(int, sigaction, int, const struct sigaction *, struct sigaction *);

#define RESOLVE(name) real_##name = dlsym(RTLD_NEXT, #name)

static void resolve_all(void) {
  if (real_sigaction) return;
  RESOLVE(open); RESOLVE(openat); RESOLVE(fopen); RESOLVE(close); RESOLVE(ioctl);
  RESOLVE(mmap); RESOLVE(munmap); RESOLVE(read); RESOLVE(write); RESOLVE(pread);
  RESOLVE(pwrite); RESOLVE(lseek); RESOLVE(fsync); RESOLVE(fdatasync); RESOLVE(dup);
  RESOLVE(dup2); RESOLVE(dup3); RESOLVE(fcntl); RESOLVE(access); RESOLVE(faccessat);
  RESOLVE(stat); RESOLVE(lstat); RESOLVE(fstat); RESOLVE(fstatat); RESOLVE(__xstat);
  RESOLVE(__lxstat); RESOLVE(__fxstat); RESOLVE(__fxstatat); RESOLVE(statx); RESOLVE(sigaction);
}

static void forget_parent(void) {
  /* a fork child has its own address space and no registration: it starts untracked, and its
   * inherited device mappings are plain shared memory (made writable again in mprotect mode) */
  for (int i = 0; i < MAX_MAPS; i++)
    if (maps[i].used && maps[i].mode == FBEMU_MPROTECT) mprotect((void *)maps[i].addr, maps[i].valid, PROT_READ | PROT_WRITE);
  conn = -1;
  mode = -1;
  uffd = evfd = trk_sock = -1;
  if (fds) memset(fds, 0, sizeof(struct fdent) * MAX_FD);
  memset(maps, 0, sizeof maps);
}

static void parse_devices(const char *spec) {
  while (spec && *spec && ndevs < MAX_DEVS) {
    const char *end = strchr(spec, ';');
    size_t n = end ? (size_t)(end - spec) : strlen(spec);
    const char *eq = memchr(spec, '=', n);
    struct dev *d = &devs[ndevs];
    if (eq && (size_t)(eq - spec) < sizeof d->path &&
        sscanf(eq + 1, "%u:%u", &d->major, &d->minor) == 2) {
      memcpy(d->path, spec, (size_t)(eq - spec));
      d->path[eq - spec] = 0;
      ndevs++;
    }
    spec = end ? end + 1 : NULL;
  }
}

static void collect_pages_at_exit(void);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void fbemu_init_once(void) {
  resolve_all();
  parse_devices(getenv("FBEMU_DEVICES"));
  const char *m = getenv("FBEMU_TRACKING");
  if (m && !strcmp(m, "sync")) want_mode = FBEMU_SYNC;
  if (m && !strcmp(m, "mprotect")) want_mode = FBEMU_MPROTECT;
  fds = REAL(mmap)(NULL, sizeof(struct fdent) * MAX_FD, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (fds == MAP_FAILED) fds = NULL;
  pthread_atfork(NULL, NULL, forget_parent);
  atexit(collect_pages_at_exit);
}

/* constructor, or the first call that needs the device list, whichever comes first */
__attribute__((constructor)) static void fbemu_init(void) { pthread_once(&init_once, fbemu_init_once); }

/* callers' nonnull attributes must not let the compiler drop this test: programs pass NULL */
__attribute__((noinline)) static int is_empty(const char *path) { return !path || !*path; }

static int dev_of_path(const char *path) {
  fbemu_init();
  if (!ndevs || is_empty(path)) return -1;
  for (int i = 0; i < ndevs; i++)
    if (!strcmp(path, devs[i].path)) return i;
  return -1;
}

static struct fdent *ent(int fd) {
  if (fd < 0 || fd >= MAX_FD || !fds || !fds[fd].used) return NULL;
  return &fds[fd];
}

/* --- the control connection --- */

/* The preload's own descriptors live at FD_FLOOR or above: a program that closed stdin/out/err and
 * then opens a device expecting descriptor 0 (fbi does for its console) must get it, not find
 * the preload's socket there. */
#define FD_FLOOR 100
static int lift_fd(int fd) {
  if (fd < 0 || fd >= FD_FLOOR) return fd;
  int high = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, FD_FLOOR);
  if (high < 0) return fd; /* a low limit on descriptors: keep it where it is */
  REAL(close)(fd);
  return high;
}

static int64_t transact_locked(struct fbemu_req *req, const void *extra, size_t extra_len,
                               const int *in, int nin, struct fbemu_rep *rep, int *out);

static int connect_locked(void) {
  if (conn >= 0) return 0;
  const char *path = getenv("FBEMU_SOCKET");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (!path || strlen(path) >= sizeof sa.sun_path) return -ENXIO;
  strcpy(sa.sun_path, path);
  int s = lift_fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (s < 0) return -errno;
  /* leave the low descriptors to the program: fbi closes 0-2 and expects its tty to open as 0 */
  if (s < CONN_MIN_FD) {
    int high = REAL(fcntl)(s, F_DUPFD_CLOEXEC, CONN_MIN_FD);
    if (high >= 0) {
      REAL(close)(s);
      s = high;
    }
  }
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    REAL(close)(s);
    return -ENXIO; /* a device node without its driver */
  }
  /* the server reads ioctl arguments through /proc/PID/mem */
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  conn = s;
  struct fbemu_req req = {.op = FBEMU_HELLO, .a = {(uint64_t)want_mode}};
  struct fbemu_rep rep;
  int64_t r = transact_locked(&req, NULL, 0, NULL, 0, &rep, NULL);
  if (r < 0) {
    REAL(close)(s);
    conn = -1;
  }
  return r < 0 ? (int)r : 0;
}

static int64_t transact_locked(struct fbemu_req *req, const void *extra, size_t extra_len,
                               const int *in, int nin, struct fbemu_rep *rep, int *out) {
  char buf[sizeof *req + FBEMU_MAX_PATH];
  memcpy(buf, req, sizeof *req);
  if (extra_len) memcpy(buf + sizeof *req, extra, extra_len);
  struct iovec iov = {buf, sizeof *req + extra_len};
  union { char b[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } cm;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nin > 0) {
    memset(&cm, 0, sizeof cm);
    mh.msg_control = cm.b;
    mh.msg_controllen = CMSG_SPACE(nin * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nin * sizeof(int));
    memcpy(CMSG_DATA(c), in, nin * sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(conn, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -EIO;
  struct iovec riov = {rep, sizeof *rep};
  struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = cm.b,
                      .msg_controllen = sizeof cm.b};
  do n = recvmsg(conn, &rh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof *rep) return -EIO;
  if (out) *out = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&rh); c; c = CMSG_NXTHDR(&rh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (out && *out < 0) *out = fd;
    else REAL(close)(fd);
  }
  return rep->ret;
}

/* One request, one reply; -errno on failure. */
static int64_t transact(struct fbemu_req *req, const void *extra, size_t extra_len, const int *in,
                        int nin, struct fbemu_rep *rep, int *out) {
  pthread_mutex_lock(&conn_lock);
  int64_t r = connect_locked();
  if (r == 0) r = transact_locked(req, extra, extra_len, in, nin, rep, out);
  pthread_mutex_unlock(&conn_lock);
  return r;
}

static int64_t simple(uint32_t op, uint32_t handle, uint64_t a0, uint64_t a1, uint64_t a2) {
  struct fbemu_req req = {.op = op, .handle = handle, .a = {a0, a1, a2}};
  struct fbemu_rep rep;
  return transact(&req, NULL, 0, NULL, 0, &rep, NULL);
}

static long fail(int64_t r) {
  if (r >= 0) return (long)r;
  errno = (int)-r;
  return -1;
}

/* --- open, close, dup --- */

static int dev_open(int dev, int flags) {
  if (!fds) return fail(-ENOMEM);
  struct fbemu_req req = {.op = FBEMU_OPEN, .a = {(uint64_t)flags}};
  struct fbemu_rep rep;
  int fd = -1;
  size_t len = strlen(devs[dev].path) + 1;
  int64_t r = transact(&req, devs[dev].path, len, NULL, 0, &rep, &fd);
  if (r >= 0 && (fd < 0 || fd >= MAX_FD)) {
    simple(FBEMU_CLOSE, (uint32_t)r, 0, 0, 0);
    r = fd < 0 ? -EIO : -EMFILE;
  }
  if (r < 0) {
    if (fd >= 0) REAL(close)(fd);
    return fail(r);
  }
  if (!(flags & O_CLOEXEC)) REAL(fcntl)(fd, F_SETFD, 0);
  /* the server made the pair non-blocking: the program's end blocks unless it asked O_NONBLOCK */
  REAL(fcntl)(fd, F_SETFL, flags & O_NONBLOCK);
  fds[fd] = (struct fdent){.handle = (uint32_t)r, .used = 1,
                           .native_read = (rep.a[0] & FBEMU_OPEN_NATIVE_READ) != 0,
                           .dev = (uint8_t)dev};
  return fd;
}

static void forget_fd(int fd) {
  struct fdent *e = ent(fd);
  if (!e) return;
  uint32_t h = e->handle;
  e->used = 0;
  simple(FBEMU_CLOSE, h, 0, 0, 0);
}

static int copy_fd(int from, int to) {
  struct fdent *e = ent(from);
  if (to < 0 || !e) return to;
  if (to >= MAX_FD) { REAL(close)(to); return fail(-EMFILE); }
  fds[to] = *e;
  simple(FBEMU_DUP, e->handle, 0, 0, 0);
  return to;
}

static int mode_arg(int flags) { return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE; }

EXPORT int open(const char *path, int flags, ...) {
  int dev = dev_of_path(path);
  if (dev >= 0) return dev_open(dev, flags);
  mode_t m = 0;
  if (mode_arg(flags)) { va_list ap; va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap); }
  return REAL(open)(path, flags, m);
}
EXPORT int open64(const char *path, int flags, ...) {
  mode_t m = 0;
  if (mode_arg(flags)) { va_list ap; va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap); }
  return open(path, flags, m);
}
EXPORT int __open_2(const char *path, int flags) { return open(path, flags); }
EXPORT int __open64_2(const char *path, int flags) { return open(path, flags); }

EXPORT int openat(int dirfd, const char *path, int flags, ...) {
  int dev = dev_of_path(path);
  if (dev >= 0) return dev_open(dev, flags);
  mode_t m = 0;
  if (mode_arg(flags)) { va_list ap; va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap); }
  return REAL(openat)(dirfd, path, flags, m);
}
EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
  mode_t m = 0;
  if (mode_arg(flags)) { va_list ap; va_start(ap, flags); m = va_arg(ap, mode_t); va_end(ap); }
  return openat(dirfd, path, flags, m);
}
EXPORT int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }
EXPORT int __openat64_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }

EXPORT FILE *fopen(const char *path, const char *how) {
  int dev = dev_of_path(path);
  if (dev < 0) return REAL(fopen)(path, how);
  int flags = strchr(how, '+') ? O_RDWR : how[0] == 'r' ? O_RDONLY : O_WRONLY;
  int fd = dev_open(dev, flags | (strchr(how, 'e') ? O_CLOEXEC : 0));
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, how);
  if (!f) close(fd);
  return f;
}
EXPORT FILE *fopen64(const char *path, const char *how) { return fopen(path, how); }

EXPORT int close(int fd) {
  forget_fd(fd);
  return REAL(close)(fd);
}

EXPORT int dup(int fd) { return copy_fd(fd, REAL(dup)(fd)); }

EXPORT int dup2(int from, int to) {
  if (from == to) return REAL(dup2)(from, to);
  int r = REAL(dup2)(from, to);
  if (r >= 0) { forget_fd(to); copy_fd(from, r); }
  return r;
}

EXPORT int dup3(int from, int to, int flags) {
  int r = REAL(dup3)(from, to, flags);
  if (r >= 0) { forget_fd(to); copy_fd(from, r); }
  return r;
}

EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  int r = REAL(fcntl)(fd, cmd, arg);
  if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0) copy_fd(fd, r);
  return r;
}
EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}

/* --- data path --- */

EXPORT int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  unsigned long arg = va_arg(ap, unsigned long);
  va_end(ap);
  struct fdent *e = ent(fd);
  if (!e) return REAL(ioctl)(fd, req, arg);
  return (int)fail(simple(FBEMU_IOCTL, e->handle, (uint32_t)req, arg, 0));
}

static ssize_t rw(uint32_t op, struct fdent *e, const void *buf, size_t n, int64_t pos) {
  return fail(simple(op, e->handle, (uintptr_t)buf, n, (uint64_t)pos));
}

/* evdev_read hands out whole packets only, but the server queues a frame's events one record
 * each: a read of an input device that woke on the first of them waits for the rest, up to the
 * frame's EV_SYN. The server sends a frame's records back to back, so the rest is microseconds
 * away; a frame cut off by an overflow never completes, so the wait is bounded (and short, as it
 * also holds up an O_NONBLOCK reader): after FRAME_WAIT_MS the read returns what it has. */
#define FRAME_WAIT_MS 20
static int partial_frame(int fd, const struct fdent *e, const char *buf, size_t got) {
  struct input_event last;
  if (devs[e->dev].major != INPUT_MAJOR || got < sizeof last || got % sizeof last) return 0;
  memcpy(&last, buf + got - sizeof last, sizeof last);
  if (last.type == EV_SYN) return 0;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, FRAME_WAIT_MS) == 1 && (p.revents & POLLIN);
}

/* A read of a device file returns every queued record that fits whole (evdev_read, drm_read and
 * tty reads fill the buffer; the socket gives one record a read): after the first, waiting or not
 * as the descriptor says, the next records are taken while each fits, never cut. */
static ssize_t native_read(const struct fdent *e, int fd, char *buf, size_t n) {
  int saved = errno;
  ssize_t got = REAL(read)(fd, buf, n);
  while (got > 0 && (size_t)got < n) {
    ssize_t next = recv(fd, NULL, 0, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
    if (next < 0 && errno == EAGAIN && partial_frame(fd, e, buf, (size_t)got)) continue;
    if (next <= 0 || (size_t)next > n - (size_t)got) break;
    ssize_t r = recv(fd, buf + got, n - (size_t)got, MSG_DONTWAIT);
    if (r <= 0) break;
    got += r;
  }
  if (got > 0) errno = saved;
  return got;
}

EXPORT ssize_t read(int fd, void *buf, size_t n) {
  struct fdent *e = ent(fd);
  if (!e) return REAL(read)(fd, buf, n);
  if (e->native_read) return native_read(e, fd, buf, n);
  return rw(FBEMU_READ, e, buf, n, -1);
}
EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  struct fdent *e = ent(fd);
  return e ? rw(FBEMU_WRITE, e, buf, n, -1) : REAL(write)(fd, buf, n);
}
EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t pos) {
  struct fdent *e = ent(fd);
  if (!e) return REAL(pread)(fd, buf, n, pos);
  return pos < 0 ? fail(-EINVAL) : rw(FBEMU_READ, e, buf, n, pos);
}
EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t pos) { return pread(fd, buf, n, pos); }
EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t pos) {
  struct fdent *e = ent(fd);
  if (!e) return REAL(pwrite)(fd, buf, n, pos);
  return pos < 0 ? fail(-EINVAL) : rw(FBEMU_WRITE, e, buf, n, pos);
}
EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t pos) { return pwrite(fd, buf, n, pos); }
EXPORT off_t lseek(int fd, off_t off, int whence) {
  struct fdent *e = ent(fd);
  if (!e) return REAL(lseek)(fd, off, whence);
  return fail(simple(FBEMU_LSEEK, e->handle, (uint64_t)off, (uint64_t)whence, 0));
}
EXPORT off_t lseek64(int fd, off_t off, int whence) { return lseek(fd, off, whence); }
EXPORT int fsync(int fd) {
  struct fdent *e = ent(fd);
  return e ? (int)fail(simple(FBEMU_FSYNC, e->handle, 0, 0, 0)) : REAL(fsync)(fd);
}
EXPORT int fdatasync(int fd) {
  struct fdent *e = ent(fd);
  return e ? (int)fail(simple(FBEMU_FSYNC, e->handle, 0, 0, 0)) : REAL(fdatasync)(fd);
}

/* --- the node: access and stat report a character device --- */

static void fake_stat(int dev, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_mode = S_IFCHR | 0660;
  st->st_rdev = makedev(devs[dev].major, devs[dev].minor);
  st->st_nlink = 1;
  st->st_blksize = PAGE;
}

/* The directory of a registered node ("/dev/dri" for "/dev/dri/card0", a trailing '/' allowed):
 * libdrm stats it before opening a node in it, and it may not exist where the node is faked. */
static int is_dev_dir(const char *path) {
  if (dev_of_path(path) >= 0 || is_empty(path)) return 0;
  size_t n = strlen(path);
  if (n > 1 && path[n - 1] == '/') n--;
  for (int i = 0; i < ndevs; i++) {
    const char *slash = strrchr(devs[i].path, '/');
    if (slash && slash > devs[i].path && (size_t)(slash - devs[i].path) == n && !strncmp(path, devs[i].path, n))
      return 1;
  }
  return 0;
}

/* the real answer, unless it is ENOENT for a node's missing directory */
static int dir_missing(int r, const char *path) { return r < 0 && errno == ENOENT && is_dev_dir(path); }

static void fake_dir_stat(struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_mode = S_IFDIR | 0755;
  st->st_nlink = 2;
  st->st_blksize = PAGE;
}

EXPORT int access(const char *path, int how) {
  if (dev_of_path(path) >= 0) return 0;
  int r = REAL(access)(path, how);
  return dir_missing(r, path) ? 0 : r;
}
EXPORT int faccessat(int dirfd, const char *path, int how, int flags) {
  if (dev_of_path(path) >= 0) return 0;
  int r = REAL(faccessat)(dirfd, path, how, flags);
  return dir_missing(r, path) ? 0 : r;
}
EXPORT int euidaccess(const char *path, int how) { return access(path, how); }
EXPORT int eaccess(const char *path, int how) { return access(path, how); }

#define STAT_PATH(call)                               \
  int dev = dev_of_path(path);                        \
  if (dev >= 0) { fake_stat(dev, st); return 0; }     \
  int r = call;                                       \
  if (dir_missing(r, path)) { fake_dir_stat(st); return 0; } \
  return r
#define STAT_FD(call)                                           \
  struct fdent *e = ent(fd);                                    \
  if (e) { fake_stat(e->dev, st); return 0; }                   \
  return call

EXPORT int stat(const char *path, struct stat *st) { STAT_PATH(REAL(stat)(path, st)); }
EXPORT int stat64(const char *path, struct stat64 *st) { return stat(path, (struct stat *)st); }
EXPORT int lstat(const char *path, struct stat *st) { STAT_PATH(REAL(lstat)(path, st)); }
EXPORT int lstat64(const char *path, struct stat64 *st) { return lstat(path, (struct stat *)st); }
EXPORT int fstat(int fd, struct stat *st) { STAT_FD(REAL(fstat)(fd, st)); }
EXPORT int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }
EXPORT int __xstat(int v, const char *path, struct stat *st) { STAT_PATH(REAL(__xstat)(v, path, st)); }
EXPORT int __xstat64(int v, const char *path, struct stat *st) { return __xstat(v, path, st); }
EXPORT int __lxstat(int v, const char *path, struct stat *st) { STAT_PATH(REAL(__lxstat)(v, path, st)); }
EXPORT int __lxstat64(int v, const char *path, struct stat *st) { return __lxstat(v, path, st); }
EXPORT int __fxstat(int v, int fd, struct stat *st) { STAT_FD(REAL(__fxstat)(v, fd, st)); }
EXPORT int __fxstat64(int v, int fd, struct stat *st) { return __fxstat(v, fd, st); }

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
  if ((flags & AT_EMPTY_PATH) && is_empty(path)) { int fd = dirfd; STAT_FD(REAL(fstatat)(dirfd, path, st, flags)); }
  STAT_PATH(REAL(fstatat)(dirfd, path, st, flags));
}
EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) { return fstatat(dirfd, path, (struct stat *)st, flags); }
EXPORT int __fxstatat(int v, int dirfd, const char *path, struct stat *st, int flags) {
  STAT_PATH(REAL(__fxstatat)(v, dirfd, path, st, flags));
}
EXPORT int __fxstatat64(int v, int dirfd, const char *path, struct stat *st, int flags) {
  return __fxstatat(v, dirfd, path, st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) {
  int dev = -1;
  if ((flags & AT_EMPTY_PATH) && is_empty(path)) { struct fdent *e = ent(dirfd); dev = e ? e->dev : -1; }
  else dev = dev_of_path(path);
  if (dev < 0) {
    int r = REAL(statx)(dirfd, path, flags, mask, sx);
    if (!dir_missing(r, path)) return r;
    memset(sx, 0, sizeof *sx);
    sx->stx_mask = STATX_TYPE | STATX_MODE | STATX_NLINK;
    sx->stx_mode = S_IFDIR | 0755;
    sx->stx_nlink = 2;
    sx->stx_blksize = PAGE;
    return 0;
  }
  memset(sx, 0, sizeof *sx);
  sx->stx_mask = STATX_TYPE | STATX_MODE | STATX_NLINK;
  sx->stx_mode = S_IFCHR | 0660;
  sx->stx_nlink = 1;
  sx->stx_blksize = PAGE;
  sx->stx_rdev_major = devs[dev].major;
  sx->stx_rdev_minor = devs[dev].minor;
  return 0;
}

/* --- store tracking --- */

static struct map *map_at(uintptr_t addr) {
  for (int i = 0; i < MAX_MAPS; i++) {
    struct map *m = &maps[i];
    if (__atomic_load_n(&m->used, __ATOMIC_ACQUIRE) && addr - m->addr < m->valid) return m;
  }
  return NULL;
}

/* A first store to page `addr` of `m`: sets the page's bit (and rings once per cycle). */
static void note_store(struct map *m, uintptr_t addr) {
  size_t page = (addr - m->addr) / PAGE;
  uint32_t bit = 1u << (page & 31);
  uint32_t *word = &m->state[FBEMU_STATE_BITMAP + page / 32];
  if (__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST) & bit) return;
  if (__atomic_exchange_n(&m->state[FBEMU_STATE_REPORTED], 1, __ATOMIC_SEQ_CST)) return;
  uint64_t one = 1;
  if (REAL(write)(evfd, &one, sizeof one) < 0) { /* the counter is never full; nothing to do */ }
}

static void segv_handler(int sig, siginfo_t *si, void *uc) {
  uintptr_t addr = (uintptr_t)si->si_addr;
  struct map *m = map_at(addr);
  if (m && m->mode == FBEMU_MPROTECT) {
    int saved = errno;
    /* page_mkwrite's order: noted before the page becomes writable, so a program killed here
     * loses no store; noted again after, since a writeback's take + mkclean may have run in
     * between (then the second note re-enlists the page that is writable again) */
    note_store(m, addr);
    mprotect((void *)(addr & ~(PAGE - 1)), PAGE, PROT_READ | PROT_WRITE);
    note_store(m, addr);
    errno = saved;
    return;
  }
  /* not ours: the program's own handler, or the default action */
  if (prev_segv.sa_flags & SA_SIGINFO) prev_segv.sa_sigaction(sig, si, uc);
  else if (prev_segv.sa_handler != SIG_DFL && prev_segv.sa_handler != SIG_IGN) prev_segv.sa_handler(sig);
  else { /* re-executes the access with the default action */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    REAL(sigaction)(SIGSEGV, &dfl, NULL);
  }
}

EXPORT sighandler_t signal(int sig, sighandler_t h) {
  if (sig != SIGSEGV || !segv_installed) {
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_RESTART}, old;
    sigemptyset(&sa.sa_mask);
    return REAL(sigaction)(sig, &sa, &old) < 0 ? SIG_ERR : old.sa_handler;
  }
  sighandler_t before = prev_segv.sa_handler;
  prev_segv.sa_handler = h;
  prev_segv.sa_flags &= ~SA_SIGINFO;
  return before;
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (sig != SIGSEGV || !segv_installed) return REAL(sigaction)(sig, act, old);
  /* our handler stays first; the program's becomes the one it chains to */
  if (old) *old = prev_segv;
  if (act) prev_segv = *act;
  return 0;
}

static void uffd_fault(void) {
  struct uffd_msg msg[16];
  ssize_t n = REAL(read)(uffd, msg, sizeof msg);
  for (ssize_t i = 0; i < n / (ssize_t)sizeof msg[0]; i++) {
    if (msg[i].event != UFFD_EVENT_PAGEFAULT) continue;
    uintptr_t addr = msg[i].arg.pagefault.address & ~(PAGE - 1);
    struct uffdio_writeprotect wp = {.range = {addr, PAGE}, .mode = UFFDIO_WRITEPROTECT_MODE_DONTWAKE};
    REAL(ioctl)(uffd, UFFDIO_WRITEPROTECT, &wp);
    pthread_mutex_lock(&maps_lock);
    struct map *m = map_at(addr);
    if (m) note_store(m, addr);
    pthread_mutex_unlock(&maps_lock);
    struct uffdio_range wake = {addr, PAGE};
    REAL(ioctl)(uffd, UFFDIO_WAKE, &wake);
  }
}

static void sigbus_range(uintptr_t addr, size_t len);

/* Requests from the server: mkclean (mprotect mode) and revoke (device cleaned up → SIGBUS). */
static void tracker_request(void) {
  uint64_t buf[2 + 2 * 256];
  ssize_t n = recv(trk_sock, buf, sizeof buf, 0);
  if (n < (ssize_t)sizeof(struct fbemu_trk_req)) return;
  struct fbemu_trk_req *h = (struct fbemu_trk_req *)buf;
  uint32_t count = h->count;
  if ((size_t)n < 8 + count * 16) count = 0;
  uint64_t *r = buf + 1;
  for (uint32_t i = 0; i < count; i++) {
    uintptr_t a = r[2 * i], l = r[2 * i + 1];
    pthread_mutex_lock(&maps_lock);
    struct map *m = map_at(a);
    /* mkclean: pages inside the mapping; revoke: the whole mapping, SIGBUS tail included */
    int ok = m && (h->op == FBEMU_TRK_REVOKE ? a == m->addr && l <= m->len : a + l <= m->addr + m->valid);
    if (ok && h->op == FBEMU_TRK_MKCLEAN) mprotect((void *)a, l, PROT_READ);
    if (ok && h->op == FBEMU_TRK_REVOKE) sigbus_range(a, l);
    pthread_mutex_unlock(&maps_lock);
  }
  send(trk_sock, buf, 8, MSG_NOSIGNAL); /* done: the server waits for it */
}

static void *tracker_thread(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  for (;;) {
    struct pollfd p[2] = {{trk_sock, POLLIN, 0}, {mode == FBEMU_SYNC ? uffd : -1, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[0].revents & (POLLHUP | POLLERR)) return NULL;
    if (p[0].revents & POLLIN) tracker_request();
    if (p[1].revents & POLLIN) uffd_fault();
  }
}

static int open_uffd(uint64_t features) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == EPERM) fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  if (fd < 0) return -1;
  struct uffdio_api api = {.api = UFFD_API, .features = features};
  if (REAL(ioctl)(fd, UFFDIO_API, &api) < 0 || (api.features & features) != features) {
    REAL(close)(fd);
    return -1;
  }
  return fd;
}

/* Chooses the process's tracking mode (wanted, else the next one down) and hands the server its
 * tools: tracker socket, eventfd, /proc/self/pagemap, userfaultfd. */
static int tracker_init(void) {
  if (mode >= 0) return 0;
  uint64_t shmem = UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_WP_UNPOPULATED_;
  int m = want_mode;
  if (m == FBEMU_ASYNC && (uffd = open_uffd(shmem | UFFD_FEATURE_WP_ASYNC_)) < 0) m = FBEMU_SYNC;
  if (m == FBEMU_SYNC && uffd < 0 && (uffd = open_uffd(shmem)) < 0) m = FBEMU_MPROTECT;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
  sv[0] = lift_fd(sv[0]);
  if (uffd >= 0) uffd = lift_fd(uffd);
  evfd = lift_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  int pagemap = REAL(open)("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (evfd < 0 || pagemap < 0) return -EIO;
  if (m == FBEMU_MPROTECT && !segv_installed) {
    struct sigaction sa = {.sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    REAL(sigaction)(SIGSEGV, &sa, &prev_segv);
    segv_installed = 1;
  }
  trk_sock = sv[0];
  mode = m;
  pthread_t t;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_create(&t, &at, tracker_thread, NULL);
  int give[4] = {sv[1], evfd, pagemap, uffd};
  struct fbemu_req req = {.op = FBEMU_TRACKER, .a = {(uint64_t)m}};
  struct fbemu_rep rep;
  int64_t r = transact(&req, NULL, 0, give, uffd >= 0 ? 4 : 3, &rep, NULL);
  REAL(close)(sv[1]);
  REAL(close)(pagemap);
  return (int)r;
}

static int track(struct map *m) {
  if (m->mode == FBEMU_MPROTECT) return mprotect((void *)m->addr, m->valid, PROT_READ) ? -errno : 0;
  struct uffdio_register reg = {.range = {m->addr, m->valid}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (REAL(ioctl)(uffd, UFFDIO_REGISTER, &reg) < 0) return -errno;
  struct uffdio_writeprotect wp = {.range = {m->addr, m->valid}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
  return REAL(ioctl)(uffd, UFFDIO_WRITEPROTECT, &wp) < 0 ? -errno : 0;
}

static int sigbus_memfd(void) {
  if (sigbus_fd < 0) sigbus_fd = lift_fd(memfd_create("fbemu-sigbus", MFD_CLOEXEC)); /* size 0: every access is SIGBUS */
  return sigbus_fd;
}

static void sigbus_range(uintptr_t addr, size_t len) {
  REAL(mmap)((void *)addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, sigbus_memfd(), 0);
}

static struct map *new_slot(void) {
  for (int i = 0; i < MAX_MAPS; i++)
    if (!maps[i].used && !maps[i].id) return &maps[i];
  return NULL;
}

/* Sets up tracking of a fresh mapping and tells the server; 0 or -errno. */
static int64_t announce(struct map *m, int tracked) {
  int state_fd = -1;
  m->mode = FBEMU_UNTRACKED;
  if (tracked && m->valid) {
    pthread_mutex_lock(&maps_lock);
    int64_t r = tracker_init();
    pthread_mutex_unlock(&maps_lock);
    if (r < 0) return r;
    m->mode = mode;
  }
  if (m->mode == FBEMU_SYNC || m->mode == FBEMU_MPROTECT) {
    size_t pages = m->valid / PAGE;
    m->state_len = ((FBEMU_STATE_BITMAP + (pages + 31) / 32) * 4 + PAGE - 1) & ~(PAGE - 1);
    state_fd = memfd_create("fbemu-state", MFD_CLOEXEC);
    if (state_fd < 0 || ftruncate(state_fd, (off_t)m->state_len) < 0) return -ENOMEM;
    m->state = REAL(mmap)(NULL, m->state_len, PROT_READ | PROT_WRITE, MAP_SHARED, state_fd, 0);
    if (m->state == MAP_FAILED) { m->state = NULL; REAL(close)(state_fd); return -ENOMEM; }
  }
  __atomic_store_n(&m->used, 1, __ATOMIC_RELEASE);
  int64_t r = m->mode != FBEMU_UNTRACKED ? track(m) : 0;
  struct fbemu_req req = {.op = FBEMU_MAPPED, .handle = m->id, .a = {m->addr, (uint64_t)(r < 0 ? FBEMU_UNTRACKED : m->mode)}};
  struct fbemu_rep rep;
  int64_t s = transact(&req, NULL, 0, &state_fd, state_fd >= 0 ? 1 : 0, &rep, NULL);
  if (state_fd >= 0) REAL(close)(state_fd);
  return r < 0 ? r : s;
}

static void drop_slot(struct map *m) {
  __atomic_store_n(&m->used, 0, __ATOMIC_RELEASE);
  pthread_mutex_lock(&maps_lock); /* the tracker thread is not inside this slot any more */
  if (m->state) REAL(munmap)(m->state, m->state_len);
  memset(m, 0, sizeof *m);
  pthread_mutex_unlock(&maps_lock);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  struct fdent *e = ent(fd);
  if (!e) return REAL(mmap)(addr, len, prot, flags, fd, off);
  if (len == 0 || (off & (PAGE - 1)) || off < 0) return errno = EINVAL, MAP_FAILED;
  if (len > (1UL << 46)) return errno = ENOMEM, MAP_FAILED;
  size_t rlen = (len + PAGE - 1) & ~(PAGE - 1);
  struct fbemu_req req = {.op = FBEMU_MMAP, .handle = e->handle,
                          .a = {rlen, (uint64_t)prot, (uint64_t)flags, (uint64_t)off / PAGE}};
  struct fbemu_rep rep;
  int memfd = -1;
  int64_t id = transact(&req, NULL, 0, NULL, 0, &rep, &memfd);
  if (id < 0) return errno = (int)-id, MAP_FAILED;
  size_t valid = rep.a[1] < rlen ? rep.a[1] : rlen;
  int tracked = rep.a[2] && (prot & PROT_WRITE) && (flags & MAP_SHARED);
  pthread_mutex_lock(&maps_lock);
  struct map *m = new_slot();
  if (m) m->id = (uint32_t)id; /* reserved */
  pthread_mutex_unlock(&maps_lock);
  void *p = MAP_FAILED;
  if (m && (memfd >= 0 || valid == 0)) {
    int tail = valid < rlen;
    p = REAL(mmap)(addr, rlen, prot, flags, tail ? sigbus_memfd() : memfd, tail ? 0 : (off_t)rep.a[0]);
    if (p != MAP_FAILED && tail && valid)
      REAL(mmap)(p, valid, prot, (flags & ~MAP_FIXED_NOREPLACE) | MAP_FIXED, memfd, (off_t)rep.a[0]);
  }
  int err = p == MAP_FAILED ? (m ? ENOMEM : ENFILE) : 0;
  if (memfd >= 0) REAL(close)(memfd);
  if (p != MAP_FAILED) {
    m->addr = (uintptr_t)p;
    m->len = rlen;
    m->valid = valid;
    int64_t r = announce(m, tracked);
    if (r == 0) return p;
    err = (int)-r;
    REAL(munmap)(p, rlen);
  }
  simple(FBEMU_MUNMAP, (uint32_t)id, 0, 0, 0);
  if (m) drop_slot(m);
  errno = err;
  return MAP_FAILED;
}
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) { return mmap(addr, len, prot, flags, fd, off); }

/* The server collects a mapping's written pages before they disappear. */
EXPORT int munmap(void *addr, size_t len) {
  uintptr_t a = (uintptr_t)addr;
  for (int i = 0; i < MAX_MAPS; i++) {
    struct map *m = &maps[i];
    if (!m->used || a >= m->addr + m->len || a + len <= m->addr) continue;
    simple(FBEMU_MUNMAP, m->id, 0, 0, 0);
    drop_slot(m);
  }
  return REAL(munmap)(addr, len);
}

static void collect_pages_at_exit(void) {
  for (int i = 0; i < MAX_MAPS; i++)
    if (maps[i].used) {
      simple(FBEMU_MUNMAP, maps[i].id, 0, 0, 0);
      __atomic_store_n(&maps[i].used, 0, __ATOMIC_RELEASE);
    }
}
