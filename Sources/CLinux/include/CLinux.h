// Linux system headers the Glibc module does not export: epoll, eventfd, sendfile,
// accept4. No logic here; VODKit wraps these calls in Swift.
#ifndef VOD_CLINUX_H
#define VOD_CLINUX_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>

/// accept4 needs _GNU_SOURCE, which the Glibc module is not built with.
static inline int vod_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }
#endif
