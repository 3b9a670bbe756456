/*
 * libxnu_shm.so: macOS's (XNU's) POSIX shared-memory rules on Linux, at the
 * libc boundary, for every process that preloads it (Rust, Python, C alike):
 *
 *   LD_PRELOAD=target/xnu/libxnu_shm.so COMMAND...     (or ci/xnu/run.sh)
 *
 * The rules, each from XNU's source (xnu-11417, bsd/kern/posix_shm.c unless
 * another file is named; quoted where they are applied below):
 *
 *   - shm_open names are at most PSHMNAMLEN = 31 bytes, the leading slash
 *     included (the name reaches the kernel unchanged); longer is
 *     ENAMETOOLONG, and an empty name EINVAL. shm_unlink turns any name
 *     error into EINVAL.
 *   - an object is sized once: a second ftruncate is EINVAL, whatever the
 *     size; the size becomes round_page(length) with 16 KiB pages (arm64
 *     Macs), and that is what fstat reports. ftruncate needs no write access.
 *   - O_TRUNC on an object that has a size is EINVAL.
 *   - the mode is the one given, with no umask; fstat reports only the
 *     permission bits (no S_IFREG), owner, group and size, the rest zero.
 *   - mmap must be MAP_SHARED, of an object that has a size, within its
 *     page-rounded size (else EINVAL; Linux maps and raises SIGBUS later);
 *     PROT_WRITE through a read-only descriptor is EPERM.
 *   - there is no posix_fallocate (and no fallocate).
 *   - there is no /dev/shm: paths under it do not exist.
 *   - uname says Darwin (release 25.0.0, arm64).
 *
 * How a descriptor is known to be a shared-memory object: by what it is,
 * not by remembering shm_open's results. An object is a regular file on the
 * /dev/shm tmpfs (statx) whose /proc/self/fd link is under /dev/shm/. So
 * dup, dup2, fcntl(F_DUPFD), fork and descriptors passed to another program
 * are all seen, and close needs no bookkeeping.
 *
 * Whether an object has been sized needs no state shared between processes
 * either: Linux's st_size is non-zero exactly when an ftruncate here sized
 * it, since sizes are rounded up to a whole page. The one exception, an
 * ftruncate to 0 (XNU marks the object sized with length 0), is recorded in
 * an extended attribute on the object (tmpfs has user.* attributes since
 * Linux 6.6; without them that one case is not enforced).
 *
 * glibc's own shm_open and shm_unlink (2.34 and later) open /dev/shm/NAME
 * through internal calls (__open64_nocancel, __unlink), not through the
 * symbols hidden here, so segments keep working while /dev/shm looks absent
 * (ci/xnu/selftest.py checks that). Older glibc kept them in librt, which
 * calls the exported open() and unlink(); those are let through while libc's
 * shm_open or shm_unlink runs.
 *
 * What is not emulated (the kernel is still Linux's; see ci/xnu/README.md):
 * names with a '/' after the first byte and a lone "/" (XNU accepts them,
 * glibc refuses), "/a" and "a" being two objects (glibc drops leading
 * slashes), raw system calls that bypass libc, /proc, and compile-time
 * facts such as Python's sys.platform.
 *
 * Build: ci/xnu/build.sh (gcc or clang, -std=c11 -Wall -Wextra -Werror).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

/* bsd/sys/posix_shm.h:
 *   #define PSHMNAMLEN      31      / * maximum name segment length we bother with * /
 */
#define PSHMNAMLEN 31
/* The page size of arm64 Macs, which round_page() rounds to there. */
#define XNU_PAGE 16384
#define SHM_DIR "/dev/shm"
/* Marks an object that was sized to 0 (so it has a size, of 0 bytes). */
#define SIZED_XATTR "user.xnu-shm.sized"

#define XNU_SYSNAME "Darwin"
#define XNU_RELEASE "25.0.0"
#define XNU_VERSION "Darwin Kernel Version 25.0.0: libxnu_shm; RELEASE_ARM64"
#define XNU_MACHINE "arm64"

/* ------------------------------------------------------------------ */
/* The next definition of each symbol (libc's)                         */

/* Looks up `name` in the objects after this one, once; NULL if absent. */
static void *next_symbol(void **slot, const char *name)
{
    void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!p) {
        p = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    }
    return p;
}

/* Declares `fn` (of type `type`) as the next definition of `name`, or
 * fails the calling function with ENOSYS (returning `fail`) without one. */
#define NEXT(type, fn, name, fail)                                   \
    static void *fn##_slot;                                          \
    __typeof__(type) fn;                                             \
    do {                                                             \
        void *p_ = next_symbol(&fn##_slot, name);                    \
        if (!p_) {                                                   \
            errno = ENOSYS;                                          \
            return fail;                                             \
        }                                                            \
        memcpy(&fn, &p_, sizeof fn);                                 \
    } while (0)

/* The old stat ABI (glibc before 2.33 inlined stat() into these). */
int __xstat(int ver, const char *path, struct stat *sb);
int __xstat64(int ver, const char *path, struct stat64 *sb);
int __lxstat(int ver, const char *path, struct stat *sb);
int __lxstat64(int ver, const char *path, struct stat64 *sb);
int __fxstat(int ver, int fd, struct stat *sb);
int __fxstat64(int ver, int fd, struct stat64 *sb);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *sb, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *sb, int flags);
/* The fortified open()s. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/* ------------------------------------------------------------------ */
/* What is a shared-memory object, and what is under /dev/shm           */

/* statx(2) itself, so that this library's own questions are not answered
 * by its own statx(). */
static int raw_statx(int dirfd, const char *path, int flags, struct statx *stx)
{
    return (int)syscall(SYS_statx, dirfd, path, flags | AT_NO_AUTOMOUNT, STATX_BASIC_STATS,
                        stx);
}

static int same_dev(const struct statx *a, unsigned major, unsigned minor)
{
    return a->stx_dev_major == major && a->stx_dev_minor == minor;
}

/* Set while libc's shm_open or shm_unlink runs in this thread, so that
 * their own way to /dev/shm is not hidden from them. */
static _Thread_local int g_in_libc_shm;

/* The /dev/shm filesystem: 0 unknown, 1 its own mount, 2 not (it shares
 * the device of /dev, so device numbers cannot tell its files apart). */
static int g_shm_fs;
static unsigned g_shm_major, g_shm_minor;

static int shm_fs(void)
{
    int known = __atomic_load_n(&g_shm_fs, __ATOMIC_ACQUIRE);
    if (known)
        return known;
    struct statx shm, dev;
    if (raw_statx(AT_FDCWD, SHM_DIR, 0, &shm) != 0)
        return 0; /* no /dev/shm: nothing to hide, no object to find */
    g_shm_major = shm.stx_dev_major;
    g_shm_minor = shm.stx_dev_minor;
    known = raw_statx(AT_FDCWD, "/dev", 0, &dev) == 0 &&
                    same_dev(&dev, g_shm_major, g_shm_minor)
                ? 2
                : 1;
    __atomic_store_n(&g_shm_fs, known, __ATOMIC_RELEASE);
    return known;
}

static int under_shm_dir(const char *abs)
{
    size_t n = strlen(SHM_DIR);
    return strncmp(abs, SHM_DIR, n) == 0 && (abs[n] == '\0' || abs[n] == '/');
}

/* What fd's /proc link says it is, or "" when it cannot be read. */
static void fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? (size_t)n : 0] = '\0';
}

/* Whether fd is a shared-memory object; *stx then holds Linux's statx. */
static int shm_fd(int fd, struct statx *stx)
{
    if (fd < 0 || raw_statx(fd, "", AT_EMPTY_PATH, stx) != 0)
        return 0;
    if (!S_ISREG(stx->stx_mode) || !shm_fs() || !same_dev(stx, g_shm_major, g_shm_minor))
        return 0;
    char path[PATH_MAX];
    fd_path(fd, path, sizeof path);
    return path[0] == '\0' || under_shm_dir(path);
}

/* Whether a stat result can be a shared-memory object: a cheap test, so
 * that fstat of anything else costs no more system calls. */
static int maybe_shm(dev_t dev, mode_t mode)
{
    return S_ISREG(mode) && shm_fs() && major(dev) == g_shm_major && minor(dev) == g_shm_minor;
}

/* Appends `path` to the absolute path `out` (of `size` bytes), resolving
 * ".", ".." and repeated slashes as text. Returns -1 when it does not fit. */
static int join_path(char *out, size_t size, const char *path)
{
    size_t len = strlen(out);
    while (*path) {
        const char *end = strchr(path, '/');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n == 0 || (n == 1 && path[0] == '.')) {
            /* nothing */
        } else if (n == 2 && path[0] == '.' && path[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 1)
                len--;
            out[len] = '\0';
        } else {
            if (len + 1 + n + 1 > size)
                return -1;
            if (len == 0 || out[len - 1] != '/')
                out[len++] = '/';
            memcpy(out + len, path, n);
            len += n;
            out[len] = '\0';
        }
        path += n;
        if (*path == '/')
            path++;
    }
    if (len == 0) {
        out[len++] = '/';
        out[len] = '\0';
    }
    return 0;
}

/* Whether `path` (relative to dirfd) names /dev/shm or something in it:
 * by its text (made absolute, "." and ".." resolved), then, when /dev/shm
 * is a mount of its own, by the device it (or, when it does not exist yet,
 * its parent) lives on, which catches aliases such as /run/shm. */
static int hidden_at(int dirfd, const char *path, int nofollow)
{
    if (g_in_libc_shm || !path || !*path || !shm_fs())
        return 0;
    char abs[2 * PATH_MAX];
    abs[0] = '\0';
    int have = 1;
    if (path[0] != '/') {
        if (dirfd == AT_FDCWD) {
            if (!getcwd(abs, PATH_MAX))
                have = 0;
        } else {
            fd_path(dirfd, abs, PATH_MAX);
            have = abs[0] == '/';
        }
    }
    if (have && join_path(abs, sizeof abs, path) == 0 && under_shm_dir(abs))
        return 1;
    if (shm_fs() != 1)
        return 0;
    struct statx stx;
    if (raw_statx(dirfd, path, nofollow ? AT_SYMLINK_NOFOLLOW : 0, &stx) == 0)
        return same_dev(&stx, g_shm_major, g_shm_minor);
    if (errno != ENOENT)
        return 0;
    /* Not there (yet): where would it be made? */
    char parent[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == path)
        snprintf(parent, sizeof parent, "/");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
    return raw_statx(dirfd, parent, 0, &stx) == 0 && same_dev(&stx, g_shm_major, g_shm_minor);
}

/* Fails the calling function with ENOENT when path is under /dev/shm. */
#define HIDE_AT(dirfd, path, nofollow, fail)      \
    do {                                          \
        if (hidden_at(dirfd, path, nofollow)) {   \
            errno = ENOENT;                       \
            return fail;                          \
        }                                         \
    } while (0)
#define HIDE(path, nofollow, fail) HIDE_AT(AT_FDCWD, path, nofollow, fail)

/* ------------------------------------------------------------------ */
/* shm_open and shm_unlink                                             */

/* Whether the object has been sized (by an ftruncate here). */
static int sized(int fd, const struct statx *stx)
{
    char one;
    return stx->stx_size > 0 || fgetxattr(fd, SIZED_XATTR, &one, sizeof one) >= 0;
}

/* libc's shm_open, with /dev/shm visible to it. */
static int libc_shm_open(int (*next)(const char *, int, mode_t), const char *name, int flags,
                         mode_t mode)
{
    g_in_libc_shm = 1;
    int fd = next(name, flags, mode);
    g_in_libc_shm = 0;
    return fd;
}

int shm_open(const char *name, int oflag, mode_t mode)
{
    NEXT(int (*)(const char *, int, mode_t), next, "shm_open", -1);
    /*
     * pshm_get_name():
     *   error = copyinstr(user_addr, &pinfo->pshm_hdr.pshm_name[0], PSHMNAMLEN + 1, &bytes_copied);
     *   ...
     *   if (bytes_copied < 2) { / * 2: expect at least one character and terminating zero * /
     *           return EINVAL;
     * copyinstr() (osfmk/x86_64/copyio.c; osfmk/arm64/copyio.c likewise)
     * runs out of room before the terminating zero with:
     *   error = ENAMETOOLONG;
     * libsyscall/wrappers/varargs_wrappers.s passes the name to __shm_open
     * as it is, so the leading '/' counts: 31 bytes in all, NUL not counted.
     */
    size_t len = strnlen(name, PSHMNAMLEN + 1);
    if (len > PSHMNAMLEN) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    /*
     *   fmode = FFLAGS(uap->oflag);
     *   if ((fmode & (FREAD | FWRITE)) == 0) {
     *           error = EINVAL;
     */
    if ((oflag & O_ACCMODE) == O_ACCMODE) {
        errno = EINVAL;
        return -1;
    }
    /* O_TRUNC is XNU's to refuse below, never Linux's to apply. */
    int flags = oflag & ~O_TRUNC;
    int fd, created = 0;
    if ((flags & (O_CREAT | O_EXCL)) == O_CREAT) {
        /* Find out whether this call makes the object (for its mode). */
        for (;;) {
            fd = libc_shm_open(next, name, flags | O_EXCL, mode);
            if (fd >= 0) {
                created = 1;
                break;
            }
            if (errno != EEXIST)
                return -1;
            fd = libc_shm_open(next, name, flags & ~O_CREAT, mode);
            if (fd >= 0 || errno != ENOENT)
                break; /* else it went between the two calls: again */
        }
    } else {
        fd = libc_shm_open(next, name, flags, mode);
        created = fd >= 0 && (flags & O_CREAT);
    }
    if (fd < 0)
        return -1;
    if (created) {
        /*
         *   cmode &= ALLPERMS;
         *   ...
         *   new_pinfo->pshm_mode = cmode;
         * No umask: the mode is what was asked for.
         */
        fchmod(fd, mode & ALLPERMS);
    } else if (oflag & O_TRUNC) {
        /*
         *   / * O_TRUNC is only valid while length is not yet set * /
         *   if ((fmode & O_TRUNC) &&
         *       (pinfo->pshm_flags & (PSHM_ALLOCATING | PSHM_ALLOCATED))) {
         *           error = EINVAL;
         */
        struct statx stx;
        if (raw_statx(fd, "", AT_EMPTY_PATH, &stx) == 0 && sized(fd, &stx)) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
    }
    return fd;
}

int shm_unlink(const char *name)
{
    NEXT(int (*)(const char *), next, "shm_unlink", -1);
    /*
     * shm_unlink():
     *   error = pshm_get_name(name_pinfo, uap->name);
     *   if (error != 0) {
     *           error = EINVAL;
     * A name too long to open is EINVAL here, not ENAMETOOLONG.
     */
    size_t len = strnlen(name, PSHMNAMLEN + 1);
    if (len == 0 || len > PSHMNAMLEN) {
        errno = EINVAL;
        return -1;
    }
    g_in_libc_shm = 1;
    int rc = next(name);
    g_in_libc_shm = 0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* ftruncate                                                           */

/* Sizes the shared-memory object fd as XNU does. */
static int shm_truncate(int fd, off64_t length)
{
    NEXT(int (*)(int, off64_t), next, "ftruncate64", -1);
    /*
     * bsd/vfs/vfs_syscalls.c, truncate_validate_common():
     *   if (length < 0) {
     *           return EINVAL;
     */
    if (length < 0) {
        errno = EINVAL;
        return -1;
    }
    /*
     * pshm_truncate():
     *   #if 0
     *           / * ftruncate() requires write permission * /
     *           if (!(fp->f_flag & FWRITE)) {
     *                   return EINVAL;
     * XNU sizes through a read-only descriptor; Linux will not, so do it
     * through a read-write one to the same object.
     */
    int wfd = fd, own = 0;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY) {
        NEXT(int (*)(const char *, int, ...), next_open, "open", -1);
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        wfd = next_open(link, O_RDWR | O_CLOEXEC);
        if (wfd < 0)
            return -1;
        own = 1;
    }
    /*
     *   / * set ALLOCATING, so another truncate can't start * /
     *   pinfo->pshm_flags |= PSHM_ALLOCATING;
     * The same exclusion between processes: an open-file-description lock
     * on the last byte an object can have (no program locks there).
     */
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = INT64_MAX - 1, .l_len = 1};
    int locked = fcntl(wfd, F_OFD_SETLKW, &lk) == 0;
    int rc = -1, err = 0;
    struct statx stx;
    if (raw_statx(wfd, "", AT_EMPTY_PATH, &stx) != 0) {
        err = errno;
    } else if (sized(wfd, &stx)) {
        /*
         *   / * We only allow one ftruncate() per lifetime of the shm object. * /
         *   if (pinfo->pshm_flags & (PSHM_ALLOCATING | PSHM_ALLOCATED)) {
         *           PSHM_SUBSYS_UNLOCK();
         *           return EINVAL;
         */
        err = EINVAL;
    } else if (length > INT64_MAX - (XNU_PAGE - 1)) {
        err = EFBIG; /* no page-rounded size fits an off_t */
    } else {
        /*
         *   total_size = vm_map_round_page(length, vm_map_page_mask(user_map));
         *   ...
         *   pinfo->pshm_flags |= PSHM_ALLOCATED;
         *   pinfo->pshm_flags &= ~(PSHM_ALLOCATING);
         *   pinfo->pshm_length = total_size;
         */
        off_t total = (length + (XNU_PAGE - 1)) / XNU_PAGE * XNU_PAGE;
        rc = next(wfd, total);
        err = errno;
        if (rc == 0 && total == 0)
            fsetxattr(wfd, SIZED_XATTR, "1", 1, 0);
    }
    if (locked) {
        lk.l_type = F_UNLCK;
        fcntl(wfd, F_OFD_SETLK, &lk);
    }
    if (own)
        close(wfd);
    errno = err;
    return rc;
}

int ftruncate(int fd, off_t length)
{
    NEXT(int (*)(int, off_t), next, "ftruncate", -1);
    struct statx stx;
    return shm_fd(fd, &stx) ? shm_truncate(fd, length) : next(fd, length);
}

int ftruncate64(int fd, off64_t length)
{
    NEXT(int (*)(int, off64_t), next, "ftruncate64", -1);
    struct statx stx;
    return shm_fd(fd, &stx) ? shm_truncate(fd, length) : next(fd, length);
}

/* ------------------------------------------------------------------ */
/* posix_fallocate and fallocate                                       */

/*
 * macOS has neither: a program built for it cannot call them, and the
 * nearest it has, fcntl(F_PREALLOCATE), refuses a shared-memory object
 * (bsd/kern/kern_descrip.c: "if (fp->f_type != DTYPE_VNODE) { error =
 * EBADF;"). EBADF would say the descriptor is bad, which it is not, so
 * these fail with EOPNOTSUPP: Linux's answer (fallocate(2), and musl's
 * posix_fallocate) for an object whose filesystem cannot reserve space,
 * which careful callers already take as "the size is set, pages come when
 * touched". That is XNU's case: pshm_truncate makes the memory entries.
 */
int posix_fallocate(int fd, off_t offset, off_t len)
{
    NEXT(int (*)(int, off_t, off_t), next, "posix_fallocate", ENOSYS);
    struct statx stx;
    return shm_fd(fd, &stx) ? EOPNOTSUPP : next(fd, offset, len);
}

int posix_fallocate64(int fd, off64_t offset, off64_t len)
{
    NEXT(int (*)(int, off64_t, off64_t), next, "posix_fallocate64", ENOSYS);
    struct statx stx;
    return shm_fd(fd, &stx) ? EOPNOTSUPP : next(fd, offset, len);
}

int fallocate(int fd, int mode, off_t offset, off_t len)
{
    NEXT(int (*)(int, int, off_t, off_t), next, "fallocate", -1);
    struct statx stx;
    if (shm_fd(fd, &stx)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return next(fd, mode, offset, len);
}

int fallocate64(int fd, int mode, off64_t offset, off64_t len)
{
    NEXT(int (*)(int, int, off64_t, off64_t), next, "fallocate64", -1);
    struct statx stx;
    if (shm_fd(fd, &stx)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return next(fd, mode, offset, len);
}

/* ------------------------------------------------------------------ */
/* mmap                                                                */

/* XNU's answer (0, or an errno) to mapping [offset, offset + len) of the
 * shared-memory object fd. */
static int shm_map_error(int fd, const struct statx *stx, size_t len, int prot, int flags,
                         off64_t offset)
{
    /*
     * pshm_mmap():
     *   if (!(flags & MAP_SHARED)) {
     *           return EINVAL;
     *   }
     *   / * Can't allow write permission if the shm_open() didn't allow them. * /
     *   if (!(fp->f_flag & FWRITE)) {
     *           if (prot & VM_PROT_WRITE) {
     *                   return EPERM;
     *   ...
     *   if (!(pinfo->pshm_flags & PSHM_ALLOCATED)) {
     *           return EINVAL;
     *   ...
     *   pshm_size = vm_map_round_page((vm_map_size_t)pinfo->pshm_length, vm_map_page_mask(user_map));
     *   if (user_size > pshm_size) {
     *           return EINVAL;
     *   ...
     *   if (end_pos > pshm_size) {
     *           return EINVAL;
     *   ...
     *   pshmobj = SLIST_FIRST(&pinfo->pshm_mobjs);
     *   if (pshmobj == NULL) {
     *           return EINVAL;
     * (An object sized to 0 has no memory object, so it maps nothing.)
     */
    if (!(flags & MAP_SHARED))
        return EINVAL;
    int fl = fcntl(fd, F_GETFL);
    if ((prot & PROT_WRITE) && fl >= 0 && (fl & O_ACCMODE) == O_RDONLY)
        return EPERM;
    uint64_t size = (stx->stx_size + (XNU_PAGE - 1)) / XNU_PAGE * XNU_PAGE;
    if (size == 0 || offset < 0 || len > size || (uint64_t)offset > size - len)
        return EINVAL;
    return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    NEXT(void *(*)(void *, size_t, int, int, int, off_t), next, "mmap", MAP_FAILED);
    struct statx stx;
    if (len > 0 && !(flags & MAP_ANONYMOUS) && shm_fd(fd, &stx)) {
        int e = shm_map_error(fd, &stx, len, prot, flags, offset);
        if (e) {
            errno = e;
            return MAP_FAILED;
        }
    }
    return next(addr, len, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t offset)
{
    NEXT(void *(*)(void *, size_t, int, int, int, off64_t), next, "mmap64", MAP_FAILED);
    struct statx stx;
    if (len > 0 && !(flags & MAP_ANONYMOUS) && shm_fd(fd, &stx)) {
        int e = shm_map_error(fd, &stx, len, prot, flags, offset);
        if (e) {
            errno = e;
            return MAP_FAILED;
        }
    }
    return next(addr, len, prot, flags, fd, offset);
}

/* ------------------------------------------------------------------ */
/* fstat and friends on a descriptor                                   */

/*
 * pshm_stat():
 *   bzero(sb, sizeof(struct stat));
 *   sb->st_mode = pinfo->pshm_mode;
 *   sb->st_uid = pinfo->pshm_uid;
 *   sb->st_gid = pinfo->pshm_gid;
 *   sb->st_size = pinfo->pshm_length;
 * (bsd/kern/kern_descrip.c, fstat: "case DTYPE_PSXSHM: error =
 * pshm_stat(...)"). pshm_mode holds permission bits only, so S_ISREG is
 * false; the size is the page-rounded one ftruncate set.
 */
#define XNU_STAT(sb)                                         \
    do {                                                     \
        mode_t mode_ = (sb)->st_mode & ALLPERMS;             \
        uid_t uid_ = (sb)->st_uid;                           \
        gid_t gid_ = (sb)->st_gid;                           \
        __typeof__((sb)->st_size) size_ = (sb)->st_size;                         \
        memset((sb), 0, sizeof *(sb));                       \
        (sb)->st_mode = mode_;                               \
        (sb)->st_uid = uid_;                                 \
        (sb)->st_gid = gid_;                                 \
        (sb)->st_size = size_;                               \
    } while (0)

static void xnu_statx(struct statx *stx)
{
    struct statx keep = *stx;
    memset(stx, 0, sizeof *stx);
    stx->stx_mask = STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE;
    stx->stx_mode = keep.stx_mode & ALLPERMS;
    stx->stx_uid = keep.stx_uid;
    stx->stx_gid = keep.stx_gid;
    stx->stx_size = keep.stx_size;
}

/* Whether a *stat*at call with these arguments asks about fd itself. */
static int about_fd(const char *path, int flags)
{
    return path && path[0] == '\0' && (flags & AT_EMPTY_PATH);
}

int fstat(int fd, struct stat *sb)
{
    NEXT(int (*)(int, struct stat *), next, "fstat", -1);
    int rc = next(fd, sb);
    struct statx stx;
    if (rc == 0 && maybe_shm(sb->st_dev, sb->st_mode) && shm_fd(fd, &stx))
        XNU_STAT(sb);
    return rc;
}

int fstat64(int fd, struct stat64 *sb)
{
    NEXT(int (*)(int, struct stat64 *), next, "fstat64", -1);
    int rc = next(fd, sb);
    struct statx stx;
    if (rc == 0 && maybe_shm(sb->st_dev, sb->st_mode) && shm_fd(fd, &stx))
        XNU_STAT(sb);
    return rc;
}

int __fxstat(int ver, int fd, struct stat *sb)
{
    NEXT(int (*)(int, int, struct stat *), next, "__fxstat", -1);
    int rc = next(ver, fd, sb);
    struct statx stx;
    if (rc == 0 && maybe_shm(sb->st_dev, sb->st_mode) && shm_fd(fd, &stx))
        XNU_STAT(sb);
    return rc;
}

int __fxstat64(int ver, int fd, struct stat64 *sb)
{
    NEXT(int (*)(int, int, struct stat64 *), next, "__fxstat64", -1);
    int rc = next(ver, fd, sb);
    struct statx stx;
    if (rc == 0 && maybe_shm(sb->st_dev, sb->st_mode) && shm_fd(fd, &stx))
        XNU_STAT(sb);
    return rc;
}

int fstatat(int dirfd, const char *path, struct stat *sb, int flags)
{
    NEXT(int (*)(int, const char *, struct stat *, int), next, "fstatat", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    int rc = next(dirfd, path, sb, flags);
    struct statx stx;
    if (rc == 0 && about_fd(path, flags) && maybe_shm(sb->st_dev, sb->st_mode) &&
        shm_fd(dirfd, &stx))
        XNU_STAT(sb);
    return rc;
}

int fstatat64(int dirfd, const char *path, struct stat64 *sb, int flags)
{
    NEXT(int (*)(int, const char *, struct stat64 *, int), next, "fstatat64", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    int rc = next(dirfd, path, sb, flags);
    struct statx stx;
    if (rc == 0 && about_fd(path, flags) && maybe_shm(sb->st_dev, sb->st_mode) &&
        shm_fd(dirfd, &stx))
        XNU_STAT(sb);
    return rc;
}

int __fxstatat(int ver, int dirfd, const char *path, struct stat *sb, int flags)
{
    NEXT(int (*)(int, int, const char *, struct stat *, int), next, "__fxstatat", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    int rc = next(ver, dirfd, path, sb, flags);
    struct statx stx;
    if (rc == 0 && about_fd(path, flags) && maybe_shm(sb->st_dev, sb->st_mode) &&
        shm_fd(dirfd, &stx))
        XNU_STAT(sb);
    return rc;
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *sb, int flags)
{
    NEXT(int (*)(int, int, const char *, struct stat64 *, int), next, "__fxstatat64", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    int rc = next(ver, dirfd, path, sb, flags);
    struct statx stx;
    if (rc == 0 && about_fd(path, flags) && maybe_shm(sb->st_dev, sb->st_mode) &&
        shm_fd(dirfd, &stx))
        XNU_STAT(sb);
    return rc;
}

/* macOS has no statx; a Linux program asking it about an object is told
 * what fstat would tell it. */
int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
    NEXT(int (*)(int, const char *, int, unsigned int, struct statx *), next, "statx", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    int rc = next(dirfd, path, flags, mask, stx);
    struct statx own;
    if (rc == 0 && about_fd(path, flags) && shm_fd(dirfd, &own))
        xnu_statx(stx);
    return rc;
}

/* ------------------------------------------------------------------ */
/* /dev/shm does not exist                                             */

int stat(const char *path, struct stat *sb)
{
    NEXT(int (*)(const char *, struct stat *), next, "stat", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int stat64(const char *path, struct stat64 *sb)
{
    NEXT(int (*)(const char *, struct stat64 *), next, "stat64", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int lstat(const char *path, struct stat *sb)
{
    NEXT(int (*)(const char *, struct stat *), next, "lstat", -1);
    HIDE(path, 1, -1);
    return next(path, sb);
}

int lstat64(const char *path, struct stat64 *sb)
{
    NEXT(int (*)(const char *, struct stat64 *), next, "lstat64", -1);
    HIDE(path, 1, -1);
    return next(path, sb);
}

int __xstat(int ver, const char *path, struct stat *sb)
{
    NEXT(int (*)(int, const char *, struct stat *), next, "__xstat", -1);
    HIDE(path, 0, -1);
    return next(ver, path, sb);
}

int __xstat64(int ver, const char *path, struct stat64 *sb)
{
    NEXT(int (*)(int, const char *, struct stat64 *), next, "__xstat64", -1);
    HIDE(path, 0, -1);
    return next(ver, path, sb);
}

int __lxstat(int ver, const char *path, struct stat *sb)
{
    NEXT(int (*)(int, const char *, struct stat *), next, "__lxstat", -1);
    HIDE(path, 1, -1);
    return next(ver, path, sb);
}

int __lxstat64(int ver, const char *path, struct stat64 *sb)
{
    NEXT(int (*)(int, const char *, struct stat64 *), next, "__lxstat64", -1);
    HIDE(path, 1, -1);
    return next(ver, path, sb);
}

/* open's mode argument, present with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last, mode)                               \
    do {                                                           \
        if ((flags) & (O_CREAT | __O_TMPFILE)) {                   \
            va_list ap_;                                           \
            va_start(ap_, last);                                   \
            mode = va_arg(ap_, mode_t);                            \
            va_end(ap_);                                           \
        }                                                          \
    } while (0)

int open(const char *path, int flags, ...)
{
    NEXT(int (*)(const char *, int, ...), next, "open", -1);
    mode_t mode = 0;
    OPEN_MODE(flags, flags, mode);
    HIDE(path, flags & O_NOFOLLOW, -1);
    return next(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    NEXT(int (*)(const char *, int, ...), next, "open64", -1);
    mode_t mode = 0;
    OPEN_MODE(flags, flags, mode);
    HIDE(path, flags & O_NOFOLLOW, -1);
    return next(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    NEXT(int (*)(int, const char *, int, ...), next, "openat", -1);
    mode_t mode = 0;
    OPEN_MODE(flags, flags, mode);
    HIDE_AT(dirfd, path, flags & O_NOFOLLOW, -1);
    return next(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    NEXT(int (*)(int, const char *, int, ...), next, "openat64", -1);
    mode_t mode = 0;
    OPEN_MODE(flags, flags, mode);
    HIDE_AT(dirfd, path, flags & O_NOFOLLOW, -1);
    return next(dirfd, path, flags, mode);
}

int __open_2(const char *path, int flags)
{
    NEXT(int (*)(const char *, int), next, "__open_2", -1);
    HIDE(path, flags & O_NOFOLLOW, -1);
    return next(path, flags);
}

int __open64_2(const char *path, int flags)
{
    NEXT(int (*)(const char *, int), next, "__open64_2", -1);
    HIDE(path, flags & O_NOFOLLOW, -1);
    return next(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
    NEXT(int (*)(int, const char *, int), next, "__openat_2", -1);
    HIDE_AT(dirfd, path, flags & O_NOFOLLOW, -1);
    return next(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
    NEXT(int (*)(int, const char *, int), next, "__openat64_2", -1);
    HIDE_AT(dirfd, path, flags & O_NOFOLLOW, -1);
    return next(dirfd, path, flags);
}

int creat(const char *path, mode_t mode)
{
    NEXT(int (*)(const char *, mode_t), next, "creat", -1);
    HIDE(path, 0, -1);
    return next(path, mode);
}

int creat64(const char *path, mode_t mode)
{
    NEXT(int (*)(const char *, mode_t), next, "creat64", -1);
    HIDE(path, 0, -1);
    return next(path, mode);
}

/* glibc's fopen and opendir open through internal calls, so they are
 * hidden themselves. */
FILE *fopen(const char *path, const char *how)
{
    NEXT(FILE *(*)(const char *, const char *), next, "fopen", NULL);
    HIDE(path, 0, NULL);
    return next(path, how);
}

FILE *fopen64(const char *path, const char *how)
{
    NEXT(FILE *(*)(const char *, const char *), next, "fopen64", NULL);
    HIDE(path, 0, NULL);
    return next(path, how);
}

FILE *freopen(const char *path, const char *how, FILE *stream)
{
    NEXT(FILE *(*)(const char *, const char *, FILE *), next, "freopen", NULL);
    HIDE(path, 0, NULL);
    return next(path, how, stream);
}

FILE *freopen64(const char *path, const char *how, FILE *stream)
{
    NEXT(FILE *(*)(const char *, const char *, FILE *), next, "freopen64", NULL);
    HIDE(path, 0, NULL);
    return next(path, how, stream);
}

DIR *opendir(const char *path)
{
    NEXT(DIR *(*)(const char *), next, "opendir", NULL);
    HIDE(path, 0, NULL);
    return next(path);
}

int scandir(const char *path, struct dirent ***list, int (*keep)(const struct dirent *),
            int (*order)(const struct dirent **, const struct dirent **))
{
    NEXT(int (*)(const char *, struct dirent ***, int (*)(const struct dirent *),
                 int (*)(const struct dirent **, const struct dirent **)),
         next, "scandir", -1);
    HIDE(path, 0, -1);
    return next(path, list, keep, order);
}

int scandir64(const char *path, struct dirent64 ***list, int (*keep)(const struct dirent64 *),
              int (*order)(const struct dirent64 **, const struct dirent64 **))
{
    NEXT(int (*)(const char *, struct dirent64 ***, int (*)(const struct dirent64 *),
                 int (*)(const struct dirent64 **, const struct dirent64 **)),
         next, "scandir64", -1);
    HIDE(path, 0, -1);
    return next(path, list, keep, order);
}

int access(const char *path, int how)
{
    NEXT(int (*)(const char *, int), next, "access", -1);
    HIDE(path, 0, -1);
    return next(path, how);
}

int faccessat(int dirfd, const char *path, int how, int flags)
{
    NEXT(int (*)(int, const char *, int, int), next, "faccessat", -1);
    HIDE_AT(dirfd, path, flags & AT_SYMLINK_NOFOLLOW, -1);
    return next(dirfd, path, how, flags);
}

int euidaccess(const char *path, int how)
{
    NEXT(int (*)(const char *, int), next, "euidaccess", -1);
    HIDE(path, 0, -1);
    return next(path, how);
}

int eaccess(const char *path, int how)
{
    NEXT(int (*)(const char *, int), next, "eaccess", -1);
    HIDE(path, 0, -1);
    return next(path, how);
}

int statvfs(const char *path, struct statvfs *sb)
{
    NEXT(int (*)(const char *, struct statvfs *), next, "statvfs", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int statvfs64(const char *path, struct statvfs64 *sb)
{
    NEXT(int (*)(const char *, struct statvfs64 *), next, "statvfs64", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int statfs(const char *path, struct statfs *sb)
{
    NEXT(int (*)(const char *, struct statfs *), next, "statfs", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int statfs64(const char *path, struct statfs64 *sb)
{
    NEXT(int (*)(const char *, struct statfs64 *), next, "statfs64", -1);
    HIDE(path, 0, -1);
    return next(path, sb);
}

int mkdir(const char *path, mode_t mode)
{
    NEXT(int (*)(const char *, mode_t), next, "mkdir", -1);
    HIDE(path, 1, -1);
    return next(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    NEXT(int (*)(int, const char *, mode_t), next, "mkdirat", -1);
    HIDE_AT(dirfd, path, 1, -1);
    return next(dirfd, path, mode);
}

int unlink(const char *path)
{
    NEXT(int (*)(const char *), next, "unlink", -1);
    HIDE(path, 1, -1);
    return next(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    NEXT(int (*)(int, const char *, int), next, "unlinkat", -1);
    HIDE_AT(dirfd, path, 1, -1);
    return next(dirfd, path, flags);
}

int rmdir(const char *path)
{
    NEXT(int (*)(const char *), next, "rmdir", -1);
    HIDE(path, 1, -1);
    return next(path);
}

int rename(const char *from, const char *to)
{
    NEXT(int (*)(const char *, const char *), next, "rename", -1);
    HIDE(from, 1, -1);
    HIDE(to, 1, -1);
    return next(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    NEXT(int (*)(int, const char *, int, const char *), next, "renameat", -1);
    HIDE_AT(fromfd, from, 1, -1);
    HIDE_AT(tofd, to, 1, -1);
    return next(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
    NEXT(int (*)(int, const char *, int, const char *, unsigned int), next, "renameat2", -1);
    HIDE_AT(fromfd, from, 1, -1);
    HIDE_AT(tofd, to, 1, -1);
    return next(fromfd, from, tofd, to, flags);
}

int chdir(const char *path)
{
    NEXT(int (*)(const char *), next, "chdir", -1);
    HIDE(path, 0, -1);
    return next(path);
}

int truncate(const char *path, off_t length)
{
    NEXT(int (*)(const char *, off_t), next, "truncate", -1);
    HIDE(path, 0, -1);
    return next(path, length);
}

int truncate64(const char *path, off64_t length)
{
    NEXT(int (*)(const char *, off64_t), next, "truncate64", -1);
    HIDE(path, 0, -1);
    return next(path, length);
}

/* ------------------------------------------------------------------ */
/* uname                                                               */

/* What a program that asks the OS what it is learns: macOS on Apple
 * silicon (Python's platform.system() reads os.uname().sysname). The node
 * name stays the machine's. */
int uname(struct utsname *u)
{
    NEXT(int (*)(struct utsname *), next, "uname", -1);
    int rc = next(u);
    if (rc == 0) {
        snprintf(u->sysname, sizeof u->sysname, "%s", XNU_SYSNAME);
        snprintf(u->release, sizeof u->release, "%s", XNU_RELEASE);
        snprintf(u->version, sizeof u->version, "%s", XNU_VERSION);
        snprintf(u->machine, sizeof u->machine, "%s", XNU_MACHINE);
    }
    return rc;
}
