/* malloctune — a larger per-thread cache of freed memory for the milter.
 *
 * glibc keeps at most 7 freed chunks of each size per thread (its
 * tcache).  Scanning one message frees hundreds of objects of a few sizes
 * (GMime's headers and parts, GLib's arrays and strings), so past the
 * seventh the frees, and the next message's allocations, go through the
 * arena's bins: slower paths, and memory that is no longer in the cache.
 * With 128 a size, a message's allocations come back from the thread's
 * own cache (bench/README.md has the figures).
 *
 * The cache size is a glibc tunable, read only when a program starts, so
 * malloctune_restart() starts the milter again, once, in place (same pid,
 * same arguments), with GLIBC_TUNABLES=glibc.malloc.tcache_count=128.
 * It does nothing when GLIBC_TUNABLES is already set (the administrator's
 * own choice, even empty: the way to turn this off) or when the restart
 * fails: the milter then simply goes on with glibc's defaults.
 *
 * Call it first in main(), before any thread or library starts.  It
 * returns only when no restart happened.  Owns nothing.
 */
#ifndef CT_MILTER_MALLOCTUNE_H
#define CT_MILTER_MALLOCTUNE_H

void malloctune_restart(char **argv);

#endif
