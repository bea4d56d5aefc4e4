/* statusfile — the running milter's counters, as a small text file that
 * `copytroll stats` reads, and the scan-time histogram behind its
 * percentiles.
 *
 * Provides
 *   scanhist            a fixed-size histogram of scan times (microseconds):
 *                       16 exact buckets below 16 us, then 8 buckets per
 *                       power of two up to 2^31 us (relative error <= 12.5%).
 *                       scanhist_add() is lock-free (atomic increments), so
 *                       any number of threads may add while one reads.
 *   scanhist_percentile() the upper bound, in ms, of the bucket holding the
 *                       p-th percentile (0 when empty).
 *   statusfile_write()  write a ct_status atomically: a temporary file in
 *                       the same directory, then rename().
 *   statusfile_read()   parse one back.
 *
 * Format (one "key value" per line, unknown keys ignored on reading, so
 * the file may grow):
 *   version 1 / pid / started / updated (Unix time) / messages / claims /
 *   suspects / errors / spooled / match_limit_hits / reloads /
 *   reload_failures / scan_ms_p50 / scan_ms_p90 / scan_ms_p99
 *
 * Ownership
 *   A scanhist is a plain struct (zero-initialised = empty).  ct_status is
 *   a plain struct with no pointers.
 *
 * Errors
 *   statusfile_write/read return false and set *err (G_FILE_ERROR) with a
 *   message naming the file; a file without "version 1" is refused.
 */
#ifndef CT_STATUSFILE_H
#define CT_STATUSFILE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define SCANHIST_BUCKETS (16 + 28 * 8)

typedef struct scanhist {
    gint buckets[SCANHIST_BUCKETS];
} scanhist;

void scanhist_add(scanhist *h, int64_t usec);
/* p in (0, 100]. */
double scanhist_percentile(const scanhist *h, double p);
uint64_t scanhist_count(const scanhist *h);

typedef struct ct_status {
    int64_t pid, started, updated;
    uint64_t messages, claims, suspects, errors, spooled, match_limit_hits;
    uint64_t reloads, reload_failures;
    double scan_ms_p50, scan_ms_p90, scan_ms_p99;
} ct_status;

bool statusfile_write(const char *path, const ct_status *st, GError **err);
bool statusfile_read(const char *path, ct_status *st, GError **err);

#endif
