/* parse_only — the baselines of bench/scan-bench.
 *
 *   parse_only [--passes N] [--view | --scan RULESDIR] FILE...
 *   parse_only [--passes N] [--view | --scan RULESDIR] -    (file names on stdin, one a line)
 *
 * Default (parse): read each file, parse it with GMime, walk every part
 * (message/rfc822 included, with GMimePartIter) and decode the content of
 * every text part to UTF-8 (transfer decoding + charset conversion) —
 * the least any MIME-aware filter must do, nothing else.
 * --view: build the message view (lib/msgview) instead: what the rules see.
 * --scan: view + rule evaluation, as `copytroll scan` without the output.
 * Prints one line: mode, messages, bytes, seconds (of the loop only).
 * --passes N: read every file into memory first, run the loop N times and
 * report the fastest pass (seconds) and the median one: the per-message
 * cost without file reading, process start or rule loading, and with
 * little of the noise of a shared machine. */
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msgview.h"
#include "rules.h"
#include "scan.h"

static size_t decode_text(GMimePart *part)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    if (!dw)
        return 0;
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeStream *filtered = g_mime_stream_filter_new(mem);
    const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    if (cs && g_ascii_strcasecmp(cs, "utf-8") != 0 && g_ascii_strcasecmp(cs, "us-ascii") != 0) {
        GMimeFilter *f = g_mime_filter_charset_new(cs, "utf-8");
        if (f) {
            g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
            g_object_unref(f);
        }
    }
    g_mime_data_wrapper_write_to_stream(dw, filtered);
    g_mime_stream_flush(filtered);
    size_t n = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len;
    g_object_unref(filtered);
    g_object_unref(mem);
    return n;
}

static size_t parse_one(const char *raw, size_t len)
{
    GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
    size_t text = 0;
    if (msg) {
        GMimePartIter *it = g_mime_part_iter_new(GMIME_OBJECT(msg));
        for (bool more = g_mime_part_iter_is_valid(it); more; more = g_mime_part_iter_next(it)) {
            GMimeObject *o = g_mime_part_iter_get_current(it);
            if (GMIME_IS_PART(o) && g_mime_content_type_is_type(g_mime_object_get_content_type(o), "text", "*"))
                text += decode_text(GMIME_PART(o));
        }
        g_mime_part_iter_free(it);
        g_object_unref(msg);
    }
    g_object_unref(p);
    g_object_unref(st);
    return text;
}

typedef struct loaded {
    char *raw;
    gsize len;
} loaded;

static gint cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    enum { PARSE, VIEW, SCAN } mode = PARSE;
    ruleset *rs = NULL;
    int i = 1;
    long passes = 0;    /* 0: read each file inside the timed loop, once */
    if (i + 1 < argc && strcmp(argv[i], "--passes") == 0) {
        passes = strtol(argv[i + 1], NULL, 10);
        if (passes < 1 || passes > 1000) {
            fprintf(stderr, "parse_only: --passes takes 1..1000\n");
            return 2;
        }
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--view") == 0) {
        mode = VIEW;
        i++;
    } else if (i + 1 < argc && strcmp(argv[i], "--scan") == 0) {
        GError *err = NULL;
        rs = rules_load_dir(argv[i + 1], &err);
        if (!rs) {
            fprintf(stderr, "parse_only: %s\n", err->message);
            return 1;
        }
        mode = SCAN;
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: parse_only [--passes N] [--view | --scan RULESDIR] FILE...\n");
        return 2;
    }
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    if (i + 1 == argc && strcmp(argv[i], "-") == 0) {
        char line[4096];
        while (fgets(line, sizeof line, stdin))
            if (*g_strchomp(line))
                g_ptr_array_add(files, g_strdup(line));
    } else {
        for (; i < argc; i++)
            g_ptr_array_add(files, g_strdup(argv[i]));
    }
    g_mime_init();
    msgview_limits lim;
    msgview_limits_default(&lim);
    GArray *mem = g_array_new(FALSE, FALSE, sizeof(loaded));
    for (guint f = 0; passes && f < files->len; f++) {
        loaded l;
        if (g_file_get_contents(g_ptr_array_index(files, f), &l.raw, &l.len, NULL))
            g_array_append_val(mem, l);
    }
    GArray *times = g_array_new(FALSE, FALSE, sizeof(double));
    size_t bytes = 0, text = 0;
    unsigned n = 0, hits = 0;
    for (long pass = 0; pass < (passes ? passes : 1); pass++) {
        bytes = text = 0;
        n = hits = 0;
        double t0 = now();
        for (guint f = 0; f < (passes ? mem->len : files->len); f++) {
            gchar *raw;
            gsize len;
            if (passes) {
                raw = g_array_index(mem, loaded, f).raw;
                len = g_array_index(mem, loaded, f).len;
            } else if (!g_file_get_contents(g_ptr_array_index(files, f), &raw, &len, NULL)) {
                continue;
            }
            n++;
            bytes += len;
            if (mode == PARSE) {
                text += parse_one(raw, len);
            } else if (mode == VIEW) {
                msgview *v = msgview_new(raw, len, &lim);
                text += v->body_text->len;
                msgview_free(v);
            } else {
                verdict *v = scan_message(rs, raw, len, &lim, NULL, NULL);
                hits += v->verdict != CT_VERDICT_NONE;
                verdict_free(v);
            }
            if (!passes)
                g_free(raw);
        }
        double dt = now() - t0;
        g_array_append_val(times, dt);
    }
    g_array_sort(times, cmp_double);
    printf("%s messages=%u bytes=%zu text=%zu hits=%u seconds=%.4f median=%.4f\n",
           mode == PARSE ? "parse" : mode == VIEW ? "view" : "scan", n, bytes, text, hits,
           g_array_index(times, double, 0), g_array_index(times, double, times->len / 2));
    for (guint f = 0; f < mem->len; f++)
        g_free(g_array_index(mem, loaded, f).raw);
    g_array_unref(mem);
    g_array_unref(times);
    rules_unref(rs);
    g_ptr_array_unref(files);
    return 0;
}
