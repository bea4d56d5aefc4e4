#include "statusfile.h"

#include <stddef.h>
#include <string.h>

/* Bucket of a duration: exact below 16 us, then 8 per power of two. */
static unsigned scanhist_index(int64_t usec)
{
    if (usec < 16)
        return usec < 0 ? 0 : (unsigned)usec;
    uint64_t v = (uint64_t)usec;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);   /* 2^e <= v */
    if (e > 31)
        return SCANHIST_BUCKETS - 1;
    unsigned sub = (unsigned)(v >> (e - 3)) & 7u;
    return 16 + (e - 4) * 8 + sub;
}

/* The first duration (us) past bucket i. */
static double scanhist_upper(unsigned i)
{
    if (i < 16)
        return i + 1;
    unsigned e = (i - 16) / 8 + 4, sub = (i - 16) % 8;
    return (double)(1ull << e) + (double)(sub + 1) * (double)(1ull << (e - 3));
}

void scanhist_add(scanhist *h, int64_t usec)
{
    g_atomic_int_inc(&h->buckets[scanhist_index(usec)]);
}

uint64_t scanhist_count(const scanhist *h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SCANHIST_BUCKETS; i++)
        n += (guint)g_atomic_int_get(&h->buckets[i]);
    return n;
}

double scanhist_percentile(const scanhist *h, double p)
{
    uint64_t counts[SCANHIST_BUCKETS], total = 0;
    for (unsigned i = 0; i < SCANHIST_BUCKETS; i++)   /* one snapshot */
        total += counts[i] = (guint)g_atomic_int_get(&h->buckets[i]);
    if (total == 0 || p <= 0)
        return 0;
    double want = p / 100.0 * (double)total;
    uint64_t seen = 0;
    for (unsigned i = 0; i < SCANHIST_BUCKETS; i++) {
        seen += counts[i];
        if ((double)seen >= want && counts[i])
            return scanhist_upper(i) / 1000.0;
    }
    return scanhist_upper(SCANHIST_BUCKETS - 1) / 1000.0;
}

bool statusfile_write(const char *path, const ct_status *st, GError **err)
{
    char *text = g_strdup_printf(
        "version 1\npid %" G_GINT64_FORMAT "\nstarted %" G_GINT64_FORMAT
        "\nupdated %" G_GINT64_FORMAT "\nmessages %" G_GUINT64_FORMAT
        "\nclaims %" G_GUINT64_FORMAT "\nsuspects %" G_GUINT64_FORMAT
        "\nerrors %" G_GUINT64_FORMAT "\nspooled %" G_GUINT64_FORMAT
        "\nmatch_limit_hits %" G_GUINT64_FORMAT "\nreloads %" G_GUINT64_FORMAT
        "\nreload_failures %" G_GUINT64_FORMAT
        "\nscan_ms_p50 %.3f\nscan_ms_p90 %.3f\nscan_ms_p99 %.3f\n",
        (gint64)st->pid, (gint64)st->started, (gint64)st->updated,
        (guint64)st->messages, (guint64)st->claims, (guint64)st->suspects,
        (guint64)st->errors, (guint64)st->spooled, (guint64)st->match_limit_hits,
        (guint64)st->reloads, (guint64)st->reload_failures,
        st->scan_ms_p50, st->scan_ms_p90, st->scan_ms_p99);
    /* g_file_set_contents: temporary file in the same directory, fsync,
     * rename: a reader sees the old file or the new one, never half. */
    GError *ioerr = NULL;
    bool ok = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                       0644, &ioerr);
    if (!ok) {
        g_set_error(err, G_FILE_ERROR, ioerr->code, "status file %s: %s", path, ioerr->message);
        g_error_free(ioerr);
    }
    g_free(text);
    return ok;
}

typedef struct status_key {
    const char *name;
    size_t offset;
    bool is_double, is_signed;
} status_key;

#define SK(f, d, s) {#f, offsetof(ct_status, f), d, s}
static const status_key status_keys[] = {
    SK(pid, false, true), SK(started, false, true), SK(updated, false, true),
    SK(messages, false, false), SK(claims, false, false), SK(suspects, false, false),
    SK(errors, false, false), SK(spooled, false, false), SK(match_limit_hits, false, false),
    SK(reloads, false, false), SK(reload_failures, false, false),
    SK(scan_ms_p50, true, false), SK(scan_ms_p90, true, false), SK(scan_ms_p99, true, false),
};

static void status_set(ct_status *st, const char *key, const char *val)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(status_keys); i++) {
        const status_key *k = &status_keys[i];
        if (strcmp(k->name, key) != 0)
            continue;
        char *field = (char *)st + k->offset;
        if (k->is_double)
            *(double *)field = g_ascii_strtod(val, NULL);
        else if (k->is_signed)
            *(int64_t *)field = g_ascii_strtoll(val, NULL, 10);
        else
            *(uint64_t *)field = g_ascii_strtoull(val, NULL, 10);
    }
}

bool statusfile_read(const char *path, ct_status *st, GError **err)
{
    char *text = NULL;
    GError *ioerr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &ioerr)) {
        g_set_error(err, G_FILE_ERROR, ioerr->code, "status file %s: %s", path, ioerr->message);
        g_error_free(ioerr);
        return false;
    }
    memset(st, 0, sizeof *st);
    bool versioned = false;
    char **lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        char **kv = g_strsplit(g_strstrip(lines[i]), " ", 2);
        if (kv[0] && kv[1]) {
            if (strcmp(kv[0], "version") == 0)
                versioned = strcmp(kv[1], "1") == 0;
            else
                status_set(st, kv[0], kv[1]);
        }
        g_strfreev(kv);
    }
    g_strfreev(lines);
    g_free(text);
    if (!versioned)
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "status file %s: not a copytroll-milter status file (no \"version 1\")", path);
    return versioned;
}
