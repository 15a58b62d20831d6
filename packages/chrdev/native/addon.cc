// The syscalls Node cannot make itself, for the front door's server: memfd-backed
// SharedArrayBuffers, SOCK_SEQPACKET sockets with SCM_RIGHTS, readiness watches on the event
// loop, PAGEMAP_SCAN and UFFDIO_WRITEPROTECT, pseudo-terminals. N-API plus one V8 call (N-API has no
// SharedArrayBuffer over foreign memory). It marshals only; every decision is in TypeScript.
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>
#include <v8.h>

#include <cstdint>
#include <cstdlib>

// PAGEMAP_SCAN (6.7+): Debian 12's headers predate it; values from the kernel's uapi fs.h
struct pm_scan_arg_ {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
      category_mask, category_anyof_mask, return_mask;
};
struct page_region_ {
  uint64_t start, end, categories;
};
#define PAGEMAP_SCAN_ _IOWR('f', 16, struct pm_scan_arg_)
#define PM_SCAN_WP_MATCHING_ (1 << 0)
#define PM_SCAN_CHECK_WPASYNC_ (1 << 1)
#define PAGE_IS_WRITTEN_ (1 << 1)

#define CALL(e) \
  if ((e) != napi_ok) return nullptr
#define ARGS(n)                 \
  size_t argc = n;              \
  napi_value argv[n];           \
  CALL(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}
static int64_t i64(napi_env env, napi_value v) {
  int64_t r = -1;
  napi_get_value_int64(env, v, &r);
  return r;
}
static double dbl(napi_env env, napi_value v) {
  double r = -1;
  napi_get_value_double(env, v, &r);
  return r;
}
static uint8_t *bytes(napi_env env, napi_value v, size_t *len) {
  void *data = nullptr;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, &data, &ab, &off) != napi_ok) return nullptr;
  if (t == napi_int32_array || t == napi_uint32_array || t == napi_float32_array) *len *= 4;
  if (t == napi_float64_array || t == napi_bigint64_array || t == napi_biguint64_array) *len *= 8;
  if (t == napi_int16_array || t == napi_uint16_array) *len *= 2;
  return static_cast<uint8_t *>(data);
}

// A SharedArrayBuffer over `len` bytes of fd mapped MAP_SHARED; unmapped when V8 frees it
// (and the fd closed then when `owns_fd`: the buffer is the memfd's lifetime).
static napi_value shared_buffer(napi_env, int fd, size_t len, bool owns_fd) {
  void *p = mmap(nullptr, len ? len : 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return nullptr;
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      p, len,
      [](void *data, size_t length, void *owned) {
        munmap(data, length ? length : 1);
        if (owned) close((int)(reinterpret_cast<intptr_t>(owned) - 1));
      },
      owns_fd ? reinterpret_cast<void *>(static_cast<intptr_t>(fd) + 1) : nullptr);
  v8::Local<v8::SharedArrayBuffer> sab = v8::SharedArrayBuffer::New(isolate, store);
  v8::Local<v8::Value> value = sab;
  napi_value r;
  static_assert(sizeof r == sizeof value, "napi_value is a V8 local handle");
  memcpy(&r, &value, sizeof r);
  return r;
}

// memfdAlloc(bytes) → { buffer, fd } or the negative errno
static napi_value MemfdAlloc(napi_env env, napi_callback_info info) {
  ARGS(1);
  double len = dbl(env, argv[0]);
  if (!(len >= 0 && len <= (double)(1ULL << 40))) return num(env, -EINVAL);
  int fd = memfd_create("fbemu-device", MFD_CLOEXEC);
  if (fd < 0) return num(env, -errno);
  if (ftruncate(fd, (off_t)len) < 0) {
    int e = errno;
    close(fd);
    return num(env, -e);
  }
  napi_value buf = shared_buffer(env, fd, (size_t)len, true);
  if (!buf) {
    close(fd);
    return num(env, -ENOMEM);
  }
  napi_value r;
  napi_create_object(env, &r);
  napi_set_named_property(env, r, "buffer", buf);
  napi_set_named_property(env, r, "fd", num(env, fd));
  return r;
}

// mapShared(fd, bytes) → SharedArrayBuffer over a memfd another process made, or the negative errno
static napi_value MapShared(napi_env env, napi_callback_info info) {
  ARGS(2);
  double len = dbl(env, argv[1]);
  struct stat st;
  int fd = (int)i64(env, argv[0]);
  if (!(len >= 0 && len <= (1 << 24)) || fstat(fd, &st) < 0 || st.st_size < len) return num(env, -EINVAL);
  napi_value buf = shared_buffer(env, fd, (size_t)len, false);
  return buf ? buf : num(env, -ENOMEM);
}

// listen(path) → fd of a SOCK_SEQPACKET listener, or the negative errno
static napi_value Listen(napi_env env, napi_callback_info info) {
  ARGS(1);
  struct sockaddr_un sa = {};
  sa.sun_family = AF_UNIX;
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[0], sa.sun_path, sizeof sa.sun_path, &n);
  if (n == 0 || n >= sizeof sa.sun_path - 1) return num(env, -ENAMETOOLONG);
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return num(env, -errno);
  unlink(sa.sun_path);
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 64) < 0) {
    int e = errno;
    close(s);
    return num(env, -e);
  }
  return num(env, s);
}

// accept(fd) → { fd, pid } of a new connection, or the negative errno (-EAGAIN: none waiting)
static napi_value Accept(napi_env env, napi_callback_info info) {
  ARGS(1);
  int c = accept4((int)i64(env, argv[0]), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return num(env, -errno);
  struct ucred cred = {};
  socklen_t len = sizeof cred;
  getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len);
  napi_value r;
  napi_create_object(env, &r);
  napi_set_named_property(env, r, "fd", num(env, c));
  napi_set_named_property(env, r, "pid", num(env, cred.pid));
  return r;
}

// socketpair() → [a, b], SOCK_SEQPACKET, both non-blocking
static napi_value SocketPair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) return num(env, -errno);
  int big = 1 << 20;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  napi_value r;
  napi_create_array_with_length(env, 2, &r);
  napi_set_element(env, r, 0, num(env, sv[0]));
  napi_set_element(env, r, 1, num(env, sv[1]));
  return r;
}

// openPty() → { master, slave } (the master non-blocking, both close-on-exec) or the negative
// errno: a pseudo-terminal for a program's stdin (posix_openpt + grantpt + unlockpt, then the
// slave opened by its ptsname without becoming our controlling terminal)
static napi_value OpenPty(napi_env env, napi_callback_info info) {
  (void)info;
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (m < 0) return num(env, -errno);
  char name[64];
  int s = -1;
  if (grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, sizeof name) == 0)
    s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) {
    int e = errno;
    close(m);
    return num(env, -e);
  }
  napi_value r;
  napi_create_object(env, &r);
  napi_set_named_property(env, r, "master", num(env, m));
  napi_set_named_property(env, r, "slave", num(env, s));
  return r;
}

// recv(fd, into: Uint8Array, fds: Int32Array) → bytes (0 = peer gone) or the negative errno;
// received descriptors go to fds[1..], their count to fds[0] (extra ones are closed)
static napi_value Recv(napi_env env, napi_callback_info info) {
  ARGS(3);
  size_t cap = 0, fcap = 0;
  uint8_t *buf = bytes(env, argv[1], &cap);
  int32_t *fds = reinterpret_cast<int32_t *>(bytes(env, argv[2], &fcap));
  if (!buf || !fds || fcap < 4) return num(env, -EINVAL);
  fcap /= 4;
  union {
    char b[CMSG_SPACE(8 * sizeof(int))];
    struct cmsghdr align;
  } cm;
  struct iovec iov = {buf, cap};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cm.b;
  mh.msg_controllen = sizeof cm.b;
  ssize_t n = recvmsg((int)i64(env, argv[0]), &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0) return num(env, -errno);
  fds[0] = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if ((size_t)fds[0] + 1 < fcap) fds[1 + fds[0]++] = fd;
      else close(fd);
    }
  }
  // a truncated message is garbage: say so instead of handing half of it on
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return num(env, -EMSGSIZE);
  return num(env, (double)n);
}

// send(fd, bytes: Uint8Array, length, passFd) → bytes sent or the negative errno (passFd < 0: none)
static napi_value Send(napi_env env, napi_callback_info info) {
  ARGS(4);
  size_t cap = 0;
  uint8_t *buf = bytes(env, argv[1], &cap);
  int64_t len = i64(env, argv[2]);
  int pass = (int)i64(env, argv[3]);
  if (!buf || len < 0 || (size_t)len > cap) return num(env, -EINVAL);
  struct iovec iov = {buf, (size_t)len};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } cm;
  if (pass >= 0) {
    memset(&cm, 0, sizeof cm);
    mh.msg_control = cm.b;
    mh.msg_controllen = sizeof cm.b;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass, sizeof pass);
  }
  ssize_t n = sendmsg((int)i64(env, argv[0]), &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
  return num(env, n < 0 ? -errno : (double)n);
}

// request(fd, bytes, length, timeoutMs) → 0 once the peer answered, or the negative errno:
// a blocking round trip for the rare request the program's tracker thread must serve
static napi_value Request(napi_env env, napi_callback_info info) {
  ARGS(4);
  size_t cap = 0;
  uint8_t *buf = bytes(env, argv[1], &cap);
  int64_t len = i64(env, argv[2]);
  int fd = (int)i64(env, argv[0]);
  if (!buf || len < 0 || (size_t)len > cap) return num(env, -EINVAL);
  if (send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) return num(env, -errno);
  struct pollfd p = {fd, POLLIN, 0};
  int r = poll(&p, 1, (int)i64(env, argv[3]));
  if (r == 0) return num(env, -ETIMEDOUT);
  char reply[8];
  if (r < 0 || recv(fd, reply, sizeof reply, MSG_DONTWAIT) <= 0) return num(env, -EPIPE);
  return num(env, 0);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  ARGS(1);
  return num(env, close((int)i64(env, argv[0])) < 0 ? -errno : 0);
}

// drainEventfd(fd) → the counter (0 when nothing was signalled)
static napi_value DrainEventfd(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint64_t v = 0;
  if (read((int)i64(env, argv[0]), &v, sizeof v) != sizeof v) v = 0;
  return num(env, (double)v);
}

// pagemapScan(pagemapFd, start, end, take, maxPages, out: Float64Array) → regions or the negative
// errno. Written pages of [start, end): out[0] = where the walk ended, then (start, end) pairs.
// take: the kernel write-protects the written pages in the same walk (mkclean + take, atomic).
static napi_value PagemapScan(napi_env env, napi_callback_info info) {
  ARGS(6);
  size_t cap = 0;
  double *out = reinterpret_cast<double *>(bytes(env, argv[5], &cap));
  cap /= 8;
  if (!out || cap < 3) return num(env, -EINVAL);
  static thread_local page_region_ regions[512];
  size_t n = (cap - 1) / 2;
  if (n > 512) n = 512;
  bool take = false;
  napi_get_value_bool(env, argv[3], &take);
  pm_scan_arg_ arg = {};
  arg.size = sizeof arg;
  arg.flags = take ? PM_SCAN_WP_MATCHING_ | PM_SCAN_CHECK_WPASYNC_ : 0;
  arg.start = (uint64_t)dbl(env, argv[1]);
  arg.end = (uint64_t)dbl(env, argv[2]);
  arg.vec = (uint64_t)(uintptr_t)regions;
  arg.vec_len = n;
  arg.max_pages = (uint64_t)i64(env, argv[4]);
  arg.category_mask = PAGE_IS_WRITTEN_;
  arg.return_mask = PAGE_IS_WRITTEN_;
  int r = ioctl((int)i64(env, argv[0]), PAGEMAP_SCAN_, &arg);
  if (r < 0) return num(env, -errno);
  out[0] = (double)arg.walk_end;
  for (int i = 0; i < r; i++) {
    out[1 + 2 * i] = (double)regions[i].start;
    out[2 + 2 * i] = (double)regions[i].end;
  }
  return num(env, r);
}

// writeProtect(uffd, addr, len, protect) → 0 or the negative errno (UFFDIO_WRITEPROTECT)
static napi_value WriteProtect(napi_env env, napi_callback_info info) {
  ARGS(4);
  bool wp = false;
  napi_get_value_bool(env, argv[3], &wp);
  struct uffdio_writeprotect w = {};
  w.range.start = (uint64_t)dbl(env, argv[1]);
  w.range.len = (uint64_t)dbl(env, argv[2]);
  w.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
  return num(env, ioctl((int)i64(env, argv[0]), UFFDIO_WRITEPROTECT, &w) < 0 ? -errno : 0);
}

// --- readiness on the event loop ---

// Freed when both the JS handle (an external) and libuv are done with it.
struct Watch {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int owners;  // the external + the open uv handle
};

template <typename T>
static void release(T *x) {
  if (--x->owners == 0) delete x;
}

static void on_ready(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  Watch *w = static_cast<Watch *>(handle->data);
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, global, result;
  napi_get_reference_value(w->env, w->callback, &cb);
  napi_get_global(w->env, &global);
  // make_callback drains the microtask queue afterwards, as a libuv callback should
  if (napi_make_callback(w->env, w->context, global, cb, 0, nullptr, &result) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(w->env, &e);
    napi_fatal_exception(w->env, e);
  }
  napi_close_handle_scope(w->env, scope);
}

// watch(fd, callback) → an external handle for unwatch; callback() runs when fd is readable
static napi_value WatchFd(napi_env env, napi_callback_info info) {
  ARGS(2);
  uv_loop_t *loop;
  CALL(napi_get_uv_event_loop(env, &loop));
  Watch *w = new Watch();
  w->env = env;
  w->owners = 2;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "fbemu.watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &w->context);
  w->poll.data = w;
  if (uv_poll_init(loop, &w->poll, (int)i64(env, argv[0])) != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    delete w;
    return num(env, -EBADF);
  }
  uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_ready);
  napi_value ext;
  napi_create_external(env, w, [](napi_env, void *data, void *) { release(static_cast<Watch *>(data)); }, nullptr, &ext);
  return ext;
}

// unwatch(handle): stops the watch (the fd stays open); idempotent
static napi_value Unwatch(napi_env env, napi_callback_info info) {
  ARGS(1);
  void *data = nullptr;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || !data) return nullptr;
  Watch *w = static_cast<Watch *>(data);
  if (w->env == nullptr) return nullptr;
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  w->env = nullptr;
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t *>(&w->poll),
           [](uv_handle_t *h) { release(static_cast<Watch *>(h->data)); });
  return nullptr;
}

// --- the async mode's "anything written?" poll, off the JS thread ---
// A thread per mapping scans with max_pages = 1 (a few µs) at a period that doubles from min to
// max while nothing is written; the first hit wakes JS once and disarms until JS re-arms it
// after its take. A static screen thus costs a thread wake per period, and Node sleeps.

struct Poller {
  uv_async_t async;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  uint64_t start, end;
  int min_ms, max_ms, period;
  bool armed, stop;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int owners;  // the external + the open uv handle
};

static bool anything_written(Poller *p) {
  page_region_ region;
  pm_scan_arg_ arg = {};
  arg.size = sizeof arg;
  arg.start = p->start;
  arg.end = p->end;
  arg.vec = (uint64_t)(uintptr_t)&region;
  arg.vec_len = 1;
  arg.max_pages = 1;
  arg.category_mask = PAGE_IS_WRITTEN_;
  arg.return_mask = PAGE_IS_WRITTEN_;
  return ioctl(p->fd, PAGEMAP_SCAN_, &arg) != 0;  // a failure also wakes JS, whose scan reports it
}

static void *poll_thread(void *data) {
  Poller *p = static_cast<Poller *>(data);
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    if (!p->armed) {
      pthread_cond_wait(&p->cv, &p->mu);
      continue;
    }
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += (long)p->period * 1000000L;
    at.tv_sec += at.tv_nsec / 1000000000L;
    at.tv_nsec %= 1000000000L;
    if (pthread_cond_timedwait(&p->cv, &p->mu, &at) == 0) continue;  // re-armed or stopped
    if (p->stop || !p->armed) continue;
    pthread_mutex_unlock(&p->mu);
    bool hit = anything_written(p);
    pthread_mutex_lock(&p->mu);
    if (hit && p->armed) {
      p->armed = false;
      uv_async_send(&p->async);
    } else if (!hit) {
      p->period = p->period * 2 < p->max_ms ? p->period * 2 : p->max_ms;
    }
  }
  pthread_mutex_unlock(&p->mu);
  return nullptr;
}

static void on_written(uv_async_t *handle) {
  Poller *p = static_cast<Poller *>(handle->data);
  if (!p->env) return;
  napi_handle_scope scope;
  napi_open_handle_scope(p->env, &scope);
  napi_value cb, global, result;
  napi_get_reference_value(p->env, p->callback, &cb);
  napi_get_global(p->env, &global);
  if (napi_make_callback(p->env, p->context, global, cb, 0, nullptr, &result) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(p->env, &e);
    napi_fatal_exception(p->env, e);
  }
  napi_close_handle_scope(p->env, scope);
}

// pollerStart(pagemapFd, start, end, minMs, maxMs, onWritten) → handle (armed)
static napi_value PollerStart(napi_env env, napi_callback_info info) {
  ARGS(6);
  uv_loop_t *loop;
  CALL(napi_get_uv_event_loop(env, &loop));
  Poller *p = new Poller();
  p->env = env;
  p->fd = (int)i64(env, argv[0]);
  p->start = (uint64_t)dbl(env, argv[1]);
  p->end = (uint64_t)dbl(env, argv[2]);
  p->min_ms = (int)i64(env, argv[3]);
  p->max_ms = (int)i64(env, argv[4]);
  if (p->min_ms < 1) p->min_ms = 1;
  if (p->max_ms < p->min_ms) p->max_ms = p->min_ms;
  p->period = p->min_ms;
  p->armed = true;
  p->owners = 2;
  napi_create_reference(env, argv[5], 1, &p->callback);
  napi_value name;
  napi_create_string_utf8(env, "fbemu.poller", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &p->context);
  pthread_mutex_init(&p->mu, nullptr);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cv, &ca);
  uv_async_init(loop, &p->async, on_written);
  p->async.data = p;
  pthread_create(&p->thread, nullptr, poll_thread, p);
  napi_value ext;
  napi_create_external(env, p, [](napi_env, void *data, void *) { release(static_cast<Poller *>(data)); }, nullptr, &ext);
  return ext;
}

static Poller *poller(napi_env env, napi_value v) {
  void *data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || !data) return nullptr;
  Poller *p = static_cast<Poller *>(data);
  return p->env ? p : nullptr;
}

// pollerArm(handle): polls again from the shortest period (after a take)
static napi_value PollerArm(napi_env env, napi_callback_info info) {
  ARGS(1);
  Poller *p = poller(env, argv[0]);
  if (!p) return nullptr;
  pthread_mutex_lock(&p->mu);
  p->armed = true;
  p->period = p->min_ms;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return nullptr;
}

// pollerStop(handle): ends the thread; idempotent
static napi_value PollerStop(napi_env env, napi_callback_info info) {
  ARGS(1);
  Poller *p = poller(env, argv[0]);
  if (!p) return nullptr;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, nullptr);
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->context);
  p->env = nullptr;
  uv_close(reinterpret_cast<uv_handle_t *>(&p->async), [](uv_handle_t *h) {
    Poller *q = static_cast<Poller *>(h->data);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    release(q);
  });
  return nullptr;
}

#define EXPORT_FN(name, fn)                                 \
  {                                                         \
    napi_value f;                                           \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f); \
    napi_set_named_property(env, exports, name, f);         \
  }

NAPI_MODULE_INIT() {
  EXPORT_FN("memfdAlloc", MemfdAlloc);
  EXPORT_FN("mapShared", MapShared);
  EXPORT_FN("listen", Listen);
  EXPORT_FN("accept", Accept);
  EXPORT_FN("socketPair", SocketPair);
  EXPORT_FN("openPty", OpenPty);
  EXPORT_FN("recv", Recv);
  EXPORT_FN("send", Send);
  EXPORT_FN("request", Request);
  EXPORT_FN("close", Close);
  EXPORT_FN("drainEventfd", DrainEventfd);
  EXPORT_FN("pagemapScan", PagemapScan);
  EXPORT_FN("writeProtect", WriteProtect);
  EXPORT_FN("watch", WatchFd);
  EXPORT_FN("unwatch", Unwatch);
  EXPORT_FN("pollerStart", PollerStart);
  EXPORT_FN("pollerArm", PollerArm);
  EXPORT_FN("pollerStop", PollerStop);
  return exports;
}
