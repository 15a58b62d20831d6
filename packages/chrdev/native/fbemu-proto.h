/*
 * The front door's wire format between the preload library (in the program) and the server
 * (packages/chrdev/src/protocol.ts mirrors it). One SOCK_SEQPACKET connection per process;
 * each request is answered by exactly one reply, file descriptors travel with SCM_RIGHTS.
 */
#ifndef FBEMU_PROTO_H
#define FBEMU_PROTO_H
#include <stdint.h>

enum fbemu_op {
  FBEMU_HELLO = 0,   /* a0 = requested tracking mode */
  FBEMU_OPEN = 1,    /* a0 = open flags, path follows the header; reply ret = handle, a0 = FBEMU_OPEN_*, fd */
  FBEMU_CLOSE = 2,   /* handle */
  FBEMU_DUP = 3,     /* handle: one more descriptor on the same open file */
  FBEMU_IOCTL = 4,   /* a0 = cmd, a1 = arg */
  FBEMU_READ = 5,    /* a0 = buf, a1 = count, a2 = pos or -1 (f_pos) */
  FBEMU_WRITE = 6,   /* as READ */
  FBEMU_LSEEK = 7,   /* a0 = offset, a1 = whence */
  FBEMU_FSYNC = 8,
  FBEMU_MMAP = 9,    /* a0 = length, a1 = prot, a2 = flags, a3 = pgoff; reply ret = map id, a0 = memfd offset, a1 = valid bytes, a2 = tracked; fd = memfd */
  FBEMU_MAPPED = 10, /* handle = map id, a0 = address, a1 = mode (0 = untracked); fd = state memfd (sync, mprotect) */
  FBEMU_TRACKER = 11,/* a0 = mode; fds = tracker socket, eventfd, pagemap[, userfaultfd] */
  FBEMU_MUNMAP = 12, /* handle = map id */
};

/* tracking modes */
enum fbemu_mode { FBEMU_UNTRACKED = 0, FBEMU_ASYNC = 1, FBEMU_SYNC = 2, FBEMU_MPROTECT = 3 };

#define FBEMU_OPEN_NATIVE_READ 1 /* read(2) goes to the socket natively (queued records) */

struct fbemu_req {
  uint32_t op;
  uint32_t handle;
  uint64_t a[6];
};

struct fbemu_rep {
  int64_t ret; /* >= 0 or -errno */
  uint64_t a[3];
};

/* server → tracker thread in the program */
enum fbemu_trk_op { FBEMU_TRK_MKCLEAN = 1, FBEMU_TRK_REVOKE = 2 };
struct fbemu_trk_req {
  uint32_t op;
  uint32_t count; /* ranges following: pairs of uint64_t (address, length) */
};

/* state memfd of a sync/mprotect mapping: control words, then one bit per page from word 16 */
#define FBEMU_STATE_REPORTED 0
#define FBEMU_STATE_BITMAP 16
#define FBEMU_MAX_PATH 4096
#endif
