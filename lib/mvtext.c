#include "mvtext.h"

#include <errno.h>
#include <stdint.h>
#include <gmime/gmime.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* windows-1252 0x80-0x9f; the five holes decode to U+FFFD. */
static const gunichar cp1252_high[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* g_utf8_validate_len(), with plain ASCII (no NUL) skipped eight bytes at
 * a time first: mail text is mostly ASCII, and GLib's validator looks at
 * every byte on its own. */
static gboolean validate_utf8(const char *p, size_t len, const char **bad)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        /* a byte >= 0x80, or a NUL byte (the usual zero-byte test) */
        if ((w | ((w - ones) & ~w)) & highs)
            break;
    }
    return g_utf8_validate_len(p + i, len - i, bad);
}

bool mvtext_clip(GString *s, size_t cap)
{
    if (s->len <= cap)
        return false;
    size_t n = cap;
    /* back off continuation bytes so no character is cut in half */
    while (n > 0 && ((unsigned char)s->str[n] & 0xc0) == 0x80)
        n--;
    g_string_truncate(s, n);
    return true;
}

/* `in` is known to be valid UTF-8 without NUL. */
static bool append_valid(GString *out, const char *in, size_t len, size_t cap)
{
    size_t room = cap > out->len ? cap - out->len : 0;
    if (len <= room) {
        g_string_append_len(out, in, (gssize)len);
        return false;
    }
    /* one byte more than fits, so mvtext_clip() sees a cut character */
    g_string_append_len(out, in, (gssize)(room + 1));
    mvtext_clip(out, cap);
    return true;
}

bool mvtext_append_utf8(GString *out, const char *in, size_t len, size_t cap)
{
    if (len == 0)
        return false;
    const char *p = in, *end = in + len;

    while (p < end) {
        if (out->len >= cap)
            break;
        /* validate no further than the cap needs (+ one character) */
        size_t room = cap - out->len;
        size_t left = MIN((size_t)(end - p), room < G_MAXSIZE - 4 ? room + 4 : room);
        const char *bad = NULL;
        if (validate_utf8(p, left, &bad)) {
            g_string_append_len(out, p, (gssize)left);
            p += left;
            continue;
        }
        g_string_append_len(out, p, bad - p);
        if (*bad == '\0')
            g_string_append_c(out, ' ');
        else
            g_string_append(out, REPLACEMENT);
        p = bad + 1;
    }
    bool cut = p < end;
    return mvtext_clip(out, cap) || cut;
}

static bool append_cp1252(GString *out, const char *in, size_t len, size_t cap)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;

    while (p < end) {
        if (out->len >= cap)
            return true;
        const unsigned char *run = p;
        while (p < end && *p < 0x80 && *p != 0)
            p++;
        if (p > run)
            g_string_append_len(out, (const char *)run, p - run);
        if (p == end)
            break;
        if (*p == 0)
            g_string_append_c(out, ' ');
        else if (*p < 0xa0)
            g_string_append_unichar(out, cp1252_high[*p - 0x80]);
        else
            g_string_append_unichar(out, *p);
        p++;
    }
    return mvtext_clip(out, cap);
}

/* Mostly UTF-8?  Count well-formed multi-byte sequences against stray
 * bytes; mail that mixes a UTF-8 body with one Latin-1 byte stays UTF-8. */
static bool looks_utf8(const char *in, size_t len)
{
    const char *p = in, *end = in + len;
    size_t good = 0, bad = 0;

    while (p < end) {
        const char *stop = NULL;
        if (validate_utf8(p, (size_t)(end - p), &stop))
            stop = end;
        for (const char *q = p; q < stop; q++)
            if (((unsigned char)*q & 0xc0) == 0xc0)
                good++;
        if (stop == end)
            break;
        if (*stop != '\0')
            bad++;
        p = stop + 1;
    }
    return bad == 0 || good > bad;
}

static bool append_iconv(GString *out, iconv_t cd, const char *in, size_t len,
                         size_t cap)
{
    char buf[8192];
    char *inp = (char *)in;
    size_t inleft = len;

    while (out->len < cap) {
        char *outp = buf;
        size_t outleft = sizeof buf;
        size_t r = inleft ? iconv(cd, &inp, &inleft, &outp, &outleft)
                          : iconv(cd, NULL, NULL, &outp, &outleft);
        int e = errno;
        mvtext_append_utf8(out, buf, (size_t)(outp - buf), cap);
        if (r != (size_t)-1) {
            if (inleft == 0 && outp == buf)
                break;
            continue;
        }
        if (e == E2BIG)
            continue;
        g_string_append(out, REPLACEMENT);
        if (e != EILSEQ || inleft == 0)
            break; /* EINVAL: a sequence cut off at the end */
        inp++;
        inleft--;
    }
    bool cut = out->len >= cap && inleft > 0;
    return mvtext_clip(out, cap) || cut;
}

enum cs_kind { CS_GUESS, CS_UTF8, CS_1252, CS_ICONV };

static enum cs_kind charset_kind(const char *cs)
{
    if (!cs || !*cs)
        return CS_GUESS;
    const char *canon = g_mime_charset_canon_name(cs);
    if (!canon)
        return CS_GUESS;
    if (!g_ascii_strcasecmp(canon, "utf-8"))
        return CS_UTF8;
    if (!g_ascii_strcasecmp(canon, "us-ascii") || !g_ascii_strcasecmp(canon, "ascii")
        || !g_ascii_strcasecmp(canon, "ansi_x3.4-1968"))
        return CS_GUESS;
    if (!g_ascii_strcasecmp(canon, "iso-8859-1") || !g_ascii_strcasecmp(canon, "latin1")
        || !g_ascii_strcasecmp(canon, "windows-1252") || !g_ascii_strcasecmp(canon, "cp1252"))
        return CS_1252;
    return CS_ICONV;
}

bool mvtext_append(GString *out, const char *in, size_t len,
                   const char *charset, size_t cap)
{
    if (len == 0)
        return false; /* also: an empty body may come as a NULL pointer */
    switch (charset_kind(charset)) {
    case CS_UTF8:
        return mvtext_append_utf8(out, in, len, cap);
    case CS_1252:
        return append_cp1252(out, in, len, cap);
    case CS_ICONV: {
        iconv_t cd = g_mime_iconv_open("UTF-8", charset);
        if (cd == (iconv_t)-1)
            break;
        bool cut = append_iconv(out, cd, in, len, cap);
        g_mime_iconv_close(cd);
        return cut;
    }
    case CS_GUESS:
        break;
    }
    if (validate_utf8(in, len, NULL))
        return append_valid(out, in, len, cap);
    if (looks_utf8(in, len))
        return mvtext_append_utf8(out, in, len, cap);
    return append_cp1252(out, in, len, cap);
}

void mvtext_unix_newlines(GString *s)
{
    char *end = s->str + s->len;
    char *r = memchr(s->str, '\r', s->len);
    char *w = r;
    /* Mail from the MTA has CRLF on every line: move the runs between CRs
     * whole rather than byte by byte. */
    while (r) {
        *w++ = '\n';
        r += (r + 1 < end && r[1] == '\n') ? 2 : 1;
        char *next = memchr(r, '\r', (size_t)(end - r));
        size_t run = (size_t)((next ? next : end) - r);
        memmove(w, r, run);
        w += run;
        r = next;
    }
    if (w)
        g_string_truncate(s, (gsize)(w - s->str));
}

/* Quote depth of the line at p ('>' markers), the markers skipped. */
static const char *quote_depth(const char *p, const char *le, int *depth)
{
    *depth = 0;
    while (p < le && *p == '>') {
        (*depth)++;
        p++;
    }
    return p;
}

void mvtext_unflow(GString *s, bool delsp)
{
    const char *r = s->str, *end = s->str + s->len;
    char *w = s->str; /* never ahead of r: lines only get shorter */
    bool joining = false;
    int joined_depth = 0;

    while (r < end) {
        const char *nl = memchr(r, '\n', (size_t)(end - r));
        const char *le = nl ? nl : end;
        int depth;
        const char *body = quote_depth(r, le, &depth);
        const char *text = body < le && *body == ' ' ? body + 1 : body;
        const char *from;
        if (joining && depth == joined_depth) {
            from = text; /* continuation: markers and stuffing go */
        } else {
            if (joining)
                *w++ = '\n'; /* the quote depth changed: the break stands */
            from = depth == 0 ? text : r; /* unstuff; quoted lines keep "> " */
        }
        bool sig = le - text == 3 && !memcmp(text, "-- ", 3);
        bool soft = nl && le > text && le[-1] == ' ' && !sig;
        const char *stop = soft && delsp ? le - 1 : le;
        memmove(w, from, (size_t)(stop - from));
        w += stop - from;
        if (nl && !soft)
            *w++ = '\n';
        joining = soft;
        joined_depth = depth;
        r = nl ? nl + 1 : end;
    }
    g_string_truncate(s, (gsize)(w - s->str));
}

char *mvtext_dup_clean(const char *s, size_t cap, bool *clipped)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    /* nearly every header name and value: valid and within the cap, so
     * the copy is all there is to do (a GString costs more than that) */
    if (len <= cap && validate_utf8(s, len, NULL))
        return g_memdup2(s, len + 1);
    GString *g = g_string_sized_new(MIN(len, cap) + 1);
    bool cut = mvtext_append_utf8(g, s, len, cap);
    if (clipped && cut)
        *clipped = true;
    return g_string_free(g, FALSE);
}
