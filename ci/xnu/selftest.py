#!/usr/bin/env python3
"""Proves each rule of the macOS (XNU) shared-memory emulation with real
calls, in this process and in child processes (which inherit the preload):

    ci/xnu/run.sh python3 ci/xnu/selftest.py

Standard library only. Every segment made here is unlinked at the end, even
when a check fails or raises; the last check proves none is left. Exit 0
when every check passed, 1 when one failed, 2 when not run under the
emulation.

Python's ``sys.platform`` is fixed when the interpreter is compiled, so it
stays ``"linux"`` here; what asks the running OS (``platform.system()``,
``os.uname()``) learns it is macOS.
"""

from __future__ import annotations

import errno
import mmap
import os
import platform
import secrets
import stat
import subprocess
import sys
import textwrap

import _posixshmem
from multiprocessing import shared_memory

PAGE = 16384
RW = os.O_RDWR
NEW = os.O_CREAT | os.O_EXCL | os.O_RDWR

made: list[str] = []  # every name this run may have created
passed = 0
failed = 0


def name(length: int = 0) -> str:
    """A fresh segment name, "/xnut_" and hex digits, `length` bytes long
    (the slash included) when given; recorded for cleanup."""
    base = "/xnut_" + secrets.token_hex(8)
    if length:
        base = (base + "0" * length)[:length]
    made.append(base)
    return base


def check(label: str, ok: bool, detail: str = "") -> None:
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {label}")
    else:
        failed += 1
        print(f"FAIL {label}{': ' + detail if detail else ''}")


def errno_of(call) -> int:
    """The errno `call` fails with, or 0 when it succeeds."""
    try:
        call()
    except OSError as e:
        return e.errno
    return 0


def expect_errno(label: str, want: int, call) -> None:
    got = errno_of(call)
    check(
        label,
        got == want,
        f"errno {errno.errorcode.get(got, got)}, expected {errno.errorcode[want]}"
        if got
        else f"succeeded, expected {errno.errorcode[want]}",
    )


def child(code: str, *args: str, pass_fds=()) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (with this environment, so under
    the same preload); argv[1:] are `args`."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        pass_fds=pass_fds,
        timeout=60,
    )


def make(size: int | None = None, mode: int = 0o600) -> tuple[str, int]:
    """Creates a segment (sized when `size` is given); returns name, fd."""
    n = name()
    fd = _posixshmem.shm_open(n, NEW, mode=mode)
    if size is not None:
        os.ftruncate(fd, size)
    return n, fd


# ---------------------------------------------------------------------------


def test_uname() -> None:
    check("platform.system() is Darwin", platform.system() == "Darwin", platform.system())
    u = os.uname()
    check(
        "os.uname(): Darwin 25.0.0 arm64",
        (u.sysname, u.release, u.machine) == ("Darwin", "25.0.0", "arm64"),
        str(u),
    )
    check("sys.platform stays linux (fixed at compile time)", sys.platform == "linux", sys.platform)
    r = child("import platform; print(platform.system())")
    check("a child process is told Darwin too", r.stdout.strip() == "Darwin", r.stdout + r.stderr)


def test_names() -> None:
    # PSHMNAMLEN = 31 counts the leading slash.
    for length, want in ((30, 0), (31, 0), (32, errno.ENAMETOOLONG), (64, errno.ENAMETOOLONG)):
        n = name(length)
        got = errno_of(lambda: os.close(_posixshmem.shm_open(n, NEW, mode=0o600)))
        if got == 0:
            _posixshmem.shm_unlink(n)
        label = f"a {length}-byte name (slash included) is " + (
            "accepted" if not want else errno.errorcode[want]
        )
        check(label, got == want, f"errno {errno.errorcode.get(got, got)}")
    expect_errno("an empty name is EINVAL", errno.EINVAL, lambda: _posixshmem.shm_open("", NEW, mode=0o600))
    n = name(32)
    expect_errno(
        "shm_unlink of a 32-byte name is EINVAL (XNU maps every name error to it)",
        errno.EINVAL,
        lambda: _posixshmem.shm_unlink(n),
    )
    n = name()
    expect_errno("shm_unlink of a missing name is ENOENT", errno.ENOENT, lambda: _posixshmem.shm_unlink(n))
    # The limit is the emulation's, not glibc's (whose limit is NAME_MAX).
    r = child(
        """
        import errno, os, sys, _posixshmem
        try:
            _posixshmem.shm_open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
        except OSError as e:
            print(errno.errorcode[e.errno])
        """,
        name(40),
    )
    check("a child refuses a 40-byte name too", r.stdout.strip() == "ENAMETOOLONG", r.stdout + r.stderr)


def test_sizes() -> None:
    for asked, want in ((1, PAGE), (100, PAGE), (PAGE, PAGE), (PAGE + 1, 2 * PAGE), (65536, 65536)):
        n, fd = make(asked)
        try:
            got = os.fstat(fd).st_size
            check(f"ftruncate({asked}) makes {want} bytes (fstat)", got == want, f"fstat says {got}")
        finally:
            os.close(fd)
            _posixshmem.shm_unlink(n)

    n, fd = make(100)
    try:
        for again in (100, PAGE, 200, 0):
            expect_errno(f"a second ftruncate({again}) is EINVAL", errno.EINVAL, lambda: os.ftruncate(fd, again))
        check("the size stays", os.fstat(fd).st_size == PAGE, str(os.fstat(fd).st_size))
        fd2 = _posixshmem.shm_open(n, RW, mode=0)
        try:
            expect_errno("ftruncate through another open of the name is EINVAL", errno.EINVAL, lambda: os.ftruncate(fd2, 1))
        finally:
            os.close(fd2)
        dup = os.dup(fd)
        try:
            expect_errno("ftruncate through a dup is EINVAL", errno.EINVAL, lambda: os.ftruncate(dup, 1))
        finally:
            os.close(dup)
        r = child(
            """
            import errno, os, sys, _posixshmem
            fd = _posixshmem.shm_open(sys.argv[1], os.O_RDWR, mode=0)
            try:
                os.ftruncate(fd, 5)
                print("sized")
            except OSError as e:
                print(errno.errorcode[e.errno])
            print(os.fstat(fd).st_size)
            """,
            n,
        )
        check(
            "another process's ftruncate is EINVAL and it sees 16384 bytes",
            r.stdout.split() == ["EINVAL", str(PAGE)],
            r.stdout + r.stderr,
        )
        r = child(
            """
            import errno, os, sys
            fd = int(sys.argv[1])
            try:
                os.ftruncate(fd, 5)
                print("sized")
            except OSError as e:
                print(errno.errorcode[e.errno])
            """,
            str(fd),
            pass_fds=(fd,),
        )
        check("an inherited descriptor's ftruncate is EINVAL", r.stdout.strip() == "EINVAL", r.stdout + r.stderr)
        expect_errno("a negative ftruncate is EINVAL", errno.EINVAL, lambda: os.ftruncate(fd, -1))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)

    # A new object sized by another process: the first one wins.
    n, fd = make()
    try:
        r = child(
            """
            import os, sys, _posixshmem
            fd = _posixshmem.shm_open(sys.argv[1], os.O_RDWR, mode=0)
            os.ftruncate(fd, 40000)
            """,
            n,
        )
        check("a child sizes a new object", r.returncode == 0, r.stderr)
        check("the parent sees 49152 bytes", os.fstat(fd).st_size == 3 * PAGE, str(os.fstat(fd).st_size))
        expect_errno("and cannot size it again", errno.EINVAL, lambda: os.ftruncate(fd, 40000))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)

    # ftruncate needs no write access on XNU.
    n, fd = make()
    ro = _posixshmem.shm_open(n, os.O_RDONLY, mode=0)
    try:
        os.ftruncate(ro, 10)
        check("ftruncate through a read-only descriptor sizes the object", os.fstat(fd).st_size == PAGE)
    except OSError as e:
        check("ftruncate through a read-only descriptor sizes the object", False, str(e))
    finally:
        os.close(ro)
        os.close(fd)
        _posixshmem.shm_unlink(n)

    # ftruncate(0) sizes it too, to nothing (needs user xattrs on tmpfs).
    n, fd = make(0)
    try:
        expect_errno("after ftruncate(0), ftruncate(100) is EINVAL", errno.EINVAL, lambda: os.ftruncate(fd, 100))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)

    # Regular files are Linux's as ever.
    import tempfile

    with tempfile.TemporaryFile() as f:
        os.ftruncate(f.fileno(), 100)
        os.ftruncate(f.fileno(), 7)
        check("regular files: exact sizes, any number of ftruncates", os.fstat(f.fileno()).st_size == 7)


def test_shared_memory() -> None:
    for asked, want in ((1, PAGE), (PAGE, PAGE), (PAGE + 1, 2 * PAGE)):
        shm = shared_memory.SharedMemory(create=True, size=asked)
        made.append(shm._name)
        try:
            check(f"SharedMemory(size={asked}).size is {want}", shm.size == want, str(shm.size))
            check(
                f"its name {shm._name!r} fits 31 bytes",
                len(shm._name) <= 31,
            )
            shm.buf[want - 1] = 7
            r = child(
                """
                import sys
                from multiprocessing import resource_tracker, shared_memory
                s = shared_memory.SharedMemory(name=sys.argv[1])
                resource_tracker.unregister(s._name, "shared_memory")
                print(s.size, s.buf[s.size - 1])
                s.close()
                """,
                shm.name,
            )
            check(
                f"another process attaches {want} bytes and reads the last",
                r.stdout.split() == [str(want), "7"],
                r.stdout + r.stderr,
            )
        finally:
            shm.close()
            shm.unlink()
    too_long = "x" * 31  # SharedMemory adds the slash: 32 bytes
    try:
        s = shared_memory.SharedMemory(name=too_long, create=True, size=10)
        made.append(s._name)
        s.close()
        s.unlink()
        check("SharedMemory with a 31-character name (32 with the slash) is refused", False, "created")
    except OSError as e:
        made.append("/" + too_long)
        check(
            "SharedMemory with a 31-character name (32 with the slash) is refused",
            e.errno == errno.ENAMETOOLONG,
            str(e),
        )


def test_stat() -> None:
    old = os.umask(0o022)
    try:
        n, fd = make(100, mode=0o666)
    finally:
        os.umask(old)
    try:
        st = os.fstat(fd)
        check("the mode is the one asked for, no umask (0666 under umask 022)", st.st_mode == 0o666, oct(st.st_mode))
        check("fstat shows no file type (S_ISREG is false)", not stat.S_ISREG(st.st_mode), oct(st.st_mode))
        check(
            "fstat: owner and size kept, the rest zero",
            (st.st_uid, st.st_gid, st.st_size) == (os.geteuid(), os.getegid(), PAGE)
            and st.st_ino == 0
            and st.st_dev == 0
            and st.st_nlink == 0,
            str(st),
        )
        st2 = os.stat(fd)  # fstat through os.stat(int)
        check("os.stat(fd) agrees", st2.st_size == PAGE and st2.st_mode == 0o666, str(st2))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)


def test_mmap() -> None:
    n, fd = make()
    try:
        expect_errno("mmap of an object without a size is EINVAL", errno.EINVAL, lambda: mmap.mmap(fd, PAGE))
        os.ftruncate(fd, 100)
        m = mmap.mmap(fd, PAGE)
        m[PAGE - 1] = 1
        m.close()
        check("mmap of the whole page-rounded size works", True)
        m = mmap.mmap(fd, 100)
        m.close()
        check("mmap of less than the size works", True)
        expect_errno("mmap beyond the size is EINVAL", errno.EINVAL, lambda: mmap.mmap(fd, PAGE + 1))
        expect_errno("mmap of 2 pages of a 1-page object is EINVAL", errno.EINVAL, lambda: mmap.mmap(fd, 2 * PAGE))
        expect_errno(
            "mmap past the end by offset is EINVAL",
            errno.EINVAL,
            lambda: mmap.mmap(fd, 4096, offset=PAGE),
        )
        expect_errno(
            "MAP_PRIVATE is EINVAL",
            errno.EINVAL,
            lambda: mmap.mmap(fd, PAGE, flags=mmap.MAP_PRIVATE),
        )
        ro = _posixshmem.shm_open(n, os.O_RDONLY, mode=0)
        try:
            expect_errno(
                "PROT_WRITE through a read-only descriptor is EPERM",
                errno.EPERM,
                lambda: mmap.mmap(ro, PAGE, prot=mmap.PROT_READ | mmap.PROT_WRITE),
            )
            m = mmap.mmap(ro, PAGE, prot=mmap.PROT_READ)
            check("PROT_READ through it works and sees the data", m[PAGE - 1] == 1)
            m.close()
        finally:
            os.close(ro)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)


def test_open_flags() -> None:
    n, fd = make()
    try:
        t = _posixshmem.shm_open(n, os.O_RDWR | os.O_TRUNC, mode=0)
        os.close(t)
        check("O_TRUNC on an object without a size is allowed", True)
        os.ftruncate(fd, 10)
        expect_errno(
            "O_TRUNC on a sized object is EINVAL",
            errno.EINVAL,
            lambda: _posixshmem.shm_open(n, os.O_RDWR | os.O_TRUNC, mode=0),
        )
        check("and the object keeps its size", os.fstat(fd).st_size == PAGE)
        expect_errno("O_CREAT|O_EXCL on an existing name is EEXIST", errno.EEXIST, lambda: _posixshmem.shm_open(n, NEW, mode=0o600))
        again = _posixshmem.shm_open(n, os.O_CREAT | os.O_RDWR, mode=0o644)
        try:
            check("O_CREAT alone opens the existing object, mode unchanged", os.fstat(again).st_mode == 0o600)
        finally:
            os.close(again)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)
    n = name()
    fd = _posixshmem.shm_open(n, os.O_CREAT | os.O_RDWR, mode=0o640)
    try:
        check("O_CREAT without O_EXCL that creates sets the mode as asked", os.fstat(fd).st_mode == 0o640, oct(os.fstat(fd).st_mode))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)


def test_fallocate() -> None:
    n, fd = make(100)
    try:
        expect_errno("posix_fallocate on an object is EOPNOTSUPP", errno.EOPNOTSUPP, lambda: os.posix_fallocate(fd, 0, 100))
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)
    import tempfile

    with tempfile.TemporaryFile() as f:
        os.posix_fallocate(f.fileno(), 0, 100)
        check("posix_fallocate on a regular file still works", os.fstat(f.fileno()).st_size == 100)


def test_no_dev_shm() -> None:
    n, fd = make(100)
    base = n.lstrip("/")
    try:
        check("os.path.isdir('/dev/shm') is False", not os.path.isdir("/dev/shm"))
        check("os.path.exists of the object's /dev/shm path is False", not os.path.exists("/dev/shm/" + base))
        expect_errno("os.listdir('/dev/shm') is ENOENT", errno.ENOENT, lambda: os.listdir("/dev/shm"))
        expect_errno("os.scandir('/dev/shm') is ENOENT", errno.ENOENT, lambda: list(os.scandir("/dev/shm")))
        expect_errno("os.stat('/dev/shm') is ENOENT", errno.ENOENT, lambda: os.stat("/dev/shm"))
        expect_errno("os.lstat of the object's path is ENOENT", errno.ENOENT, lambda: os.lstat("/dev/shm/" + base))
        expect_errno("open() of the object's path is ENOENT", errno.ENOENT, lambda: open("/dev/shm/" + base, "rb"))
        expect_errno("os.open of the object's path is ENOENT", errno.ENOENT, lambda: os.open("/dev/shm/" + base, os.O_RDONLY))
        # glibc's shm_open opens /dev/shm/NAME by an internal call, which the
        # library leaves alone: the name still opens.
        check("yet shm_open opens it by name", os.fstat(_keep(n)).st_size == PAGE)
        expect_errno("creating a file there is ENOENT", errno.ENOENT, lambda: os.open("/dev/shm/xnut_new", os.O_CREAT | os.O_WRONLY, 0o600))
        expect_errno("os.mkdir there is ENOENT", errno.ENOENT, lambda: os.mkdir("/dev/shm/xnut_dir"))
        expect_errno("os.statvfs('/dev/shm') is ENOENT", errno.ENOENT, lambda: os.statvfs("/dev/shm"))
        check("os.access('/dev/shm') is False", not os.access("/dev/shm", os.F_OK))
        expect_errno("os.unlink of the object's path is ENOENT", errno.ENOENT, lambda: os.unlink("/dev/shm/" + base))
        expect_errno("'/dev//shm/./' is ENOENT", errno.ENOENT, lambda: os.stat("/dev//shm/./"))
        expect_errno("'/dev/../dev/shm' is ENOENT", errno.ENOENT, lambda: os.stat("/dev/../dev/shm"))
        if os.path.islink("/run/shm"):
            expect_errno("the alias /run/shm is ENOENT", errno.ENOENT, lambda: os.stat("/run/shm"))
        expect_errno(
            "/proc/self/fd/N of an object is ENOENT by path",
            errno.ENOENT,
            lambda: os.stat(f"/proc/self/fd/{fd}"),
        )
        here = os.getcwd()
        os.chdir("/dev")
        try:
            expect_errno("relative 'shm' from /dev is ENOENT", errno.ENOENT, lambda: os.stat("shm"))
            dev = os.open("/dev", os.O_RDONLY | os.O_DIRECTORY)
            try:
                expect_errno("'shm' relative to a /dev dirfd is ENOENT", errno.ENOENT, lambda: os.stat("shm", dir_fd=dev))
            finally:
                os.close(dev)
        finally:
            os.chdir(here)
        check("the object is still there after all that", os.fstat(_keep(n)).st_size == PAGE)
        check("/dev itself is visible", os.path.isdir("/dev") and os.path.exists("/dev/null"))
        r = child("import os; print(os.path.isdir('/dev/shm'))")
        check("a child sees no /dev/shm either", r.stdout.strip() == "False", r.stdout + r.stderr)
        r = subprocess.run(["ls", "/dev/shm"], capture_output=True, text=True)
        check("ls /dev/shm (a C program) fails", r.returncode != 0, r.stdout)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(n)


_kept: list[int] = []


def _keep(n: str) -> int:
    fd = _posixshmem.shm_open(n, os.O_RDONLY, mode=0)
    _kept.append(fd)
    return fd


def test_unlink() -> None:
    n, fd = make(100)
    m = mmap.mmap(fd, PAGE)
    m[0] = 42
    _posixshmem.shm_unlink(n)
    try:
        expect_errno("after shm_unlink the name is gone", errno.ENOENT, lambda: _posixshmem.shm_open(n, RW, mode=0))
        check("an existing mapping stays valid", m[0] == 42)
        nfd = _posixshmem.shm_open(n, NEW, mode=0o600)
        try:
            check("the name can be made anew, unsized", os.fstat(nfd).st_size == 0)
        finally:
            os.close(nfd)
            _posixshmem.shm_unlink(n)
    finally:
        m.close()
        os.close(fd)


def cleanup() -> list[str]:
    """Unlinks every name this run may have made; returns those that were
    still there (a failed check's leftovers)."""
    for fd in _kept:
        try:
            os.close(fd)
        except OSError:
            pass
    left = []
    for n in made:
        try:
            _posixshmem.shm_unlink(n)
            left.append(n)
        except OSError:
            pass
    return left


def main() -> int:
    if platform.system() != "Darwin" or "libxnu_shm" not in os.environ.get("LD_PRELOAD", ""):
        print("error: run under the emulation: ci/xnu/run.sh python3 ci/xnu/selftest.py", file=sys.stderr)
        return 2
    tests = [
        test_uname,
        test_names,
        test_sizes,
        test_shared_memory,
        test_stat,
        test_mmap,
        test_open_flags,
        test_fallocate,
        test_no_dev_shm,
        test_unlink,
    ]
    try:
        for test in tests:
            print(f"== {test.__name__[5:]}")
            try:
                test()
            except Exception as e:  # a check that raised: report, go on
                check(f"{test.__name__} ran to the end", False, f"{type(e).__name__}: {e}")
    finally:
        left = cleanup()
    check("no segment was left behind by a passing check", not left, " ".join(left))
    print(f"selftest: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
