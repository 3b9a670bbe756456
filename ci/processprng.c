/*
 * bcryptprimitives.dll shim for running Rust programs under Wine 8.0.
 *
 * Why: Rust's standard library (1.78 and later) and the getrandom crate take
 * random bytes from ProcessPrng in bcryptprimitives.dll, and import it
 * directly. Wine 8.0 (Debian 12's wine64) ships no bcryptprimitives.dll with
 * that export, so every Rust .exe fails to load. ci/windows-wine.sh builds
 * this file with mingw and puts the DLL beside each .exe it runs; Windows
 * itself never sees it (real Windows 10+ has the export).
 *
 * ProcessPrng is implemented on top of RtlGenRandom (exported by advapi32
 * as SystemFunction036), which Wine has. It fails only if RtlGenRandom does.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll
 *        processprng.c processprng.def -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom: advapi32's SystemFunction036 (see ntsecapi.h). */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a 32-bit length: fill in chunks. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}
