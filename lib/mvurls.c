#include "mvurls.h"

#include <string.h>

#include "mvtext.h"

struct mvurls {
    GPtrArray *dest;
    GHashTable *seen; /* normalised URL (owned) → mv_url* in dest */
    size_t max;
    bool truncated;
};

mvurls *mvurls_new(GPtrArray *dest, size_t max)
{
    mvurls *u = g_new0(mvurls, 1);
    u->dest = dest;
    u->max = max;
    u->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return u;
}

void mvurls_free(mvurls *u)
{
    if (!u)
        return;
    g_hash_table_destroy(u->seen);
    g_free(u);
}

bool mvurls_truncated(const mvurls *u)
{
    return u->truncated;
}

void mvurls_url_free(gpointer p)
{
    mv_url *url = p;
    if (!url)
        return;
    g_free(url->url);
    g_free(url->host);
    g_free(url->text);
    g_free(url);
}

static inline char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* Does s (len bytes) start with prefix, in any case?  The prefix is in
 * lower case.  Inline, not g_ascii_strncasecmp(): it is asked several
 * times of every URL and every "www" candidate. */
static inline bool has_prefix_ci(const char *s, size_t len, const char *prefix)
{
    for (size_t i = 0; prefix[i]; i++)
        if (i >= len || lower(s[i]) != prefix[i])
            return false;
    return true;
}

static bool wanted(const char *url, size_t len)
{
    return has_prefix_ci(url, len, "http://") || has_prefix_ci(url, len, "https://")
           || has_prefix_ci(url, len, "ftp://") || has_prefix_ci(url, len, "mailto:")
           || has_prefix_ci(url, len, "www.");
}

/* A byte that ends a host: path, query, fragment, a backslash (read as a
 * '/'), or a NUL.  A switch, not strchr(), as it is asked of every byte. */
static bool host_end(char c)
{
    switch (c) {
    case '/': case '?': case '#': case '\\': case '\0':
        return true;
    default:
        return false;
    }
}

/* Where the host of `url` lies: [*start, *end).  False when it has none. */
static bool host_span(const char *url, size_t len, size_t *start, size_t *end)
{
    size_t s = 0;
    if (!has_prefix_ci(url, len, "www.")) {
        const char *sep = g_strstr_len(url, (gssize)MIN(len, 32), "://");
        if (!sep)
            return false;
        s = (size_t)(sep - url) + 3;
    }
    size_t e = s;
    while (e < len && !host_end(url[e]))
        e++;
    for (size_t i = e; i > s; i--) /* user:pass@ */
        if (url[i - 1] == '@') {
            s = i;
            break;
        }
    size_t h = e;
    if (s < e && url[s] == '[') {
        const char *rb = memchr(url + s, ']', e - s);
        h = rb ? (size_t)(rb - url) + 1 : e;
    } else {
        for (size_t i = s; i < e; i++)
            if (url[i] == ':') {
                h = i;
                break;
            }
    }
    while (h > s && url[h - 1] == '.')
        h--;
    if (h == s)
        return false;
    *start = s;
    *end = h;
    return true;
}

char *mvurls_host(const char *url, size_t len)
{
    size_t s, e;
    if (!host_span(url, len, &s, &e))
        return NULL;
    return g_ascii_strdown(url + s, (gssize)(e - s));
}

void mvurls_add(mvurls *u, const char *url, size_t len, const char *text)
{
    if (!wanted(url, len))
        return;
    GString *clean = g_string_sized_new(MIN(len, MVURLS_MAX_LEN) + 1);
    mvtext_append_utf8(clean, url, len, MVURLS_MAX_LEN);

    size_t hs = 0, he = 0;
    bool has_host = host_span(clean->str, clean->len, &hs, &he);
    /* the key: scheme and host lower-cased (mailto: just its scheme) */
    char *key = g_strndup(clean->str, clean->len);
    size_t lower_to = he;
    if (!has_host) {
        const char *colon = strchr(key, ':');
        lower_to = colon ? (size_t)(colon - key) : 0;
    }
    for (size_t i = 0; i < lower_to; i++)
        key[i] = lower(key[i]);

    mv_url *old = g_hash_table_lookup(u->seen, key);
    if (old) {
        if (!old->text && text && *text)
            old->text = g_strdup(text);
        g_free(key);
        g_string_free(clean, TRUE);
        return;
    }
    if (u->dest->len >= u->max) {
        u->truncated = true;
        g_free(key);
        g_string_free(clean, TRUE);
        return;
    }
    mv_url *m = g_new0(mv_url, 1);
    m->host = has_host ? g_ascii_strdown(clean->str + hs, (gssize)(he - hs)) : NULL;
    m->url = g_string_free(clean, FALSE);
    m->text = text && *text ? g_strdup(text) : NULL;
    g_ptr_array_add(u->dest, m);
    g_hash_table_insert(u->seen, key, m);
}

/* A byte a URL in plain text may hold: printable ASCII but for the
 * characters that stand around URLs rather than in them.  A switch, not
 * strchr(), as it is asked of every byte of every URL. */
static bool url_char(unsigned char c)
{
    switch (c) {
    case '<': case '>': case '"': case '\'': case '`':
    case '{': case '}': case '|': case '\\': case '^':
        return false;
    default:
        return c > 0x20 && c < 0x7f;
    }
}

/* Length of the URL at `p` once trailing punctuation is dropped. */
static size_t trim_tail(const char *p, size_t n)
{
    long paren = 0, bracket = 0; /* opened minus closed */
    for (size_t i = 0; i < n; i++) {
        paren += p[i] == '(' ? 1 : p[i] == ')' ? -1 : 0;
        bracket += p[i] == '[' ? 1 : p[i] == ']' ? -1 : 0;
    }
    while (n > 0) {
        char c = p[n - 1];
        if (strchr(".,;:!?*", c))
            n--;
        else if (c == ')' && paren < 0)
            n--, paren++;
        else if (c == ']' && bracket < 0)
            n--, bracket++;
        else
            break;
    }
    return n;
}

/* Length of a URL starting at text[i], or 0 when none starts there. */
static size_t url_at(const char *text, size_t len, size_t i)
{
    const char *p = text + i;
    size_t left = len - i, skip;
    if (has_prefix_ci(p, left, "https://"))
        skip = 8;
    else if (has_prefix_ci(p, left, "http://"))
        skip = 7;
    else if (has_prefix_ci(p, left, "www."))
        skip = 4;
    else
        return 0;
    size_t n = skip;
    long paren = 0, bracket = 0;
    for (; n < left && url_char((unsigned char)p[n]); n++) {
        char c = p[n]; /* "(see https://x.org/a)" and [text](https://...) */
        if ((c == ')' && --paren < 0) || (c == ']' && --bracket < 0))
            break;
        paren += c == '(';
        bracket += c == '[';
    }
    n = trim_tail(p, n);
    if (n <= skip)
        return 0;
    if (skip == 4) { /* "www.example" alone is not a URL, "www.example.org" is */
        /* The host can end before the dot of "www." ("www.:8080", whose
         * trailing dot is dropped), leaving nothing after it. */
        size_t hs, he;
        if (!host_span(p, n, &hs, &he) || he <= 4 || !memchr(p + 4, '.', he - 4))
            return 0;
    }
    return n;
}

static bool url_boundary(const char *text, const char *p)
{
    if (p == text)
        return true;
    char c = p[-1];
    return !g_ascii_isalnum(c) && c != '.' && c != '/' && c != '@';
}

/* Next "http://" or "https://" (any case) at a word start, from p. */
static const char *next_scheme(const char *text, const char *p, const char *end)
{
    const char *from = p;
    while (p < end) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon)
            return end;
        p = colon + 1;
        if (end - colon < 3 || colon[1] != '/' || colon[2] != '/')
            continue;
        if (colon - from >= 5 && has_prefix_ci(colon - 5, 5, "https") && url_boundary(text, colon - 5))
            return colon - 5;
        if (colon - from >= 4 && has_prefix_ci(colon - 4, 4, "http") && url_boundary(text, colon - 4))
            return colon - 4;
    }
    return end;
}

/* Next "www." (or "WWW.") at a word start, from p. */
static const char *next_www(const char *text, const char *p, const char *end)
{
    const char *from = p;
    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        if (!dot)
            return end;
        p = dot + 1;
        if (dot - from >= 3 && has_prefix_ci(dot - 3, 3, "www") && url_boundary(text, dot - 3))
            return dot - 3;
    }
    return end;
}

/* memchr() finds the rare ':' and '.' much faster than looking at every
 * 'h' and 'w' of the text. */
void mvurls_scan(mvurls *u, const char *text, size_t len)
{
    const char *end = text + len, *p = text;
    const char *scheme = next_scheme(text, p, end), *www = next_www(text, p, end);
    while (p < end) {
        if (scheme < p)
            scheme = next_scheme(text, p, end);
        if (www < p)
            www = next_www(text, p, end);
        const char *at = MIN(scheme, www);
        if (at >= end)
            break;
        size_t n = url_at(text, len, (size_t)(at - text));
        if (n)
            mvurls_add(u, at, n, NULL);
        p = at + (n ? n : 1);
    }
}
