// Linux system headers the Glibc module does not export: epoll, eventfd, sendfile,
// accept4, memfd_create, mallopt. No logic here; VODKit wraps these calls in Swift.
#ifndef VOD_CLINUX_H
#define VOD_CLINUX_H
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <malloc.h>

// accept4 is declared only under _GNU_SOURCE, which would change shared system
// types for every other C module in the program; declare it as glibc exports it.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

static inline int vod_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }

// memfd_create likewise (glibc 2.27); 1 is MFD_CLOEXEC.
extern int memfd_create(const char *name, unsigned int flags);

static inline int vod_memfd(const char *name) { return memfd_create(name, 1); }
// mallopt's parameters are macros Swift does not import.
static inline void vod_malloc_thresholds(int mmap_threshold, int trim_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}
#endif
