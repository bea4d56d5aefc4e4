/* libFuzzer target: arbitrary bytes as a rule file.  Loading must either
 * succeed or fail with file:line messages — never crash or leak.  A rule
 * set that loads is then run on a message made of the same bytes (so its
 * patterns' literals are there to be found), twice: with the prefilter
 * and without it, every rule run both times (COPYTROLL_NO_LAZY).  The
 * prefilter only skips rules that cannot match, so both runs must fire
 * the same rules; a difference is a finding. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msgview.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ruleset *load(const char *path, bool prefilter)
{
    g_setenv("COPYTROLL_NO_LAZY", "1", TRUE);
    if (prefilter)
        g_unsetenv("COPYTROLL_NO_PREFILTER");
    else
        g_setenv("COPYTROLL_NO_PREFILTER", "1", TRUE);
    GError *err = NULL;
    ruleset *rs = rules_load_file(path, &err);
    if (!rs && (!err || !err->message || !*err->message))
        abort();   /* a failed load must say why */
    g_clear_error(&err);
    return rs;
}

static char *rule_list(const verdict *v)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < v->rules->len; i++)
        g_string_append_printf(s, "%s ", (const char *)g_ptr_array_index(v->rules, i));
    return g_string_free(s, FALSE);
}

static void compare(ruleset *with, ruleset *without, const uint8_t *data, size_t size)
{
    GString *raw = g_string_new("From: Fuzz <fuzz@example.org>\r\nSubject: ");
    size_t head = 0;
    while (head < size && head < 200 && data[head] != '\n' && data[head] != '\r')
        head++;
    g_string_append_len(raw, (const char *)data, (gssize)head);
    g_string_append(raw, "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    g_string_append_len(raw, (const char *)data, (gssize)size);
    msgview_limits lim;
    msgview_limits_default(&lim);
    msgview *view = msgview_new(raw->str, raw->len, &lim);
    verdict *a = rules_eval(with, view, NULL), *b = rules_eval(without, view, NULL);
    char *ra = rule_list(a), *rb = rule_list(b);
    /* A rule that hit the match limit counts as not matching on either
     * side; the limit may stop one run and not the other. */
    if (!a->match_limit_hits && !b->match_limit_hits && strcmp(ra, rb) != 0) {
        fprintf(stderr, "prefilter changed the fired rules:\n  with:    %s\n  without: %s\n", ra, rb);
        abort();
    }
    g_free(ra);
    g_free(rb);
    verdict_free(a);
    verdict_free(b);
    msgview_free(view);
    g_string_free(raw, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ct-fuzz-rules-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        ruleset *with = load(path, true);
        ruleset *without = with ? load(path, false) : NULL;
        if (with && !without)
            abort();   /* the prefilter cannot make a rule file invalid */
        if (with)
            compare(with, without, data, size);
        if (with)
            rules_unref(with);
        if (without)
            rules_unref(without);
    }
    close(fd);
    unlink(path);
    return 0;
}
