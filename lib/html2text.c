#include "html2text.h"

#include <string.h>

#include "htmlent.h"
#include "mvtext.h"

#define TAGNAME_MAX 16
#define STACK_MAX 256    /* open elements tracked; deeper ones are counted */
#define STACK_SEARCH 64  /* how far down a close tag looks for its opener */
#define LINK_TEXT_MAX 512
#define SNIFF_BYTES 2048

enum {
    T_VOID = 1 << 0,   /* never has content or a close tag */
    T_BLOCK = 1 << 1,  /* line break before and after */
    T_PARA = 1 << 2,   /* blank line before and after */
    T_CELL = 1 << 3,   /* a space before */
    T_RAW = 1 << 4,    /* content is not markup: skip it whole */
    T_HEAD = 1 << 5,   /* may appear in <head> */
    T_BR = 1 << 6,
};

typedef struct tag_info {
    const char *name;
    unsigned flags;
} tag_info;

/* Sorted by name, so that the names with one first letter are together
 * (index_table). */
static const tag_info tag_table[] = {
    {"address", T_BLOCK}, {"area", T_VOID}, {"article", T_BLOCK},
    {"aside", T_BLOCK}, {"base", T_VOID | T_HEAD}, {"blockquote", T_PARA},
    {"body", T_BLOCK}, {"br", T_VOID | T_BR}, {"caption", T_BLOCK},
    {"center", T_BLOCK}, {"col", T_VOID}, {"dd", T_BLOCK},
    {"details", T_BLOCK}, {"dialog", T_BLOCK}, {"dir", T_BLOCK},
    {"div", T_BLOCK}, {"dl", T_BLOCK}, {"dt", T_BLOCK}, {"embed", T_VOID},
    {"fieldset", T_BLOCK}, {"figcaption", T_BLOCK}, {"figure", T_BLOCK},
    {"footer", T_BLOCK}, {"form", T_BLOCK}, {"h1", T_PARA}, {"h2", T_PARA},
    {"h3", T_PARA}, {"h4", T_PARA}, {"h5", T_PARA}, {"h6", T_PARA},
    {"head", T_HEAD}, {"header", T_BLOCK}, {"hr", T_VOID | T_BLOCK},
    {"html", T_HEAD}, {"iframe", T_RAW}, {"img", T_VOID}, {"input", T_VOID},
    {"legend", T_BLOCK}, {"li", T_BLOCK}, {"link", T_VOID | T_HEAD},
    {"main", T_BLOCK}, {"menu", T_BLOCK}, {"meta", T_VOID | T_HEAD},
    {"nav", T_BLOCK}, {"noembed", T_RAW}, {"noframes", T_RAW},
    {"noscript", T_HEAD}, {"ol", T_BLOCK}, {"option", T_BLOCK},
    {"p", T_PARA}, {"param", T_VOID}, {"pre", T_PARA},
    {"script", T_RAW | T_HEAD}, {"section", T_BLOCK}, {"source", T_VOID},
    {"style", T_RAW | T_HEAD}, {"summary", T_BLOCK}, {"table", T_PARA},
    {"td", T_CELL}, {"template", T_RAW | T_HEAD}, {"th", T_CELL},
    {"title", T_RAW | T_HEAD}, {"tr", T_BLOCK}, {"track", T_VOID},
    {"ul", T_BLOCK}, {"wbr", T_VOID},
};

typedef struct span {
    const char *p; /* NULL when the attribute is absent */
    size_t n;
} span;

typedef struct tag {
    char name[TAGNAME_MAX];
    unsigned flags;
    bool closing, self_closing, hidden;
    span href, src, alt, style;
} tag;

typedef struct h2t {
    GString *out;
    size_t base, cap;
    bool cut;
    int nl;       /* line breaks owed before the next text (0-2) */
    bool sp;      /* a space owed before the next text */
    int pre;      /* open <pre> elements */
    bool in_head;
    char stack[STACK_MAX][TAGNAME_MAX];
    int depth;
    int overflow; /* elements opened beyond STACK_MAX */
    int hidden_at; /* stack index of the outermost hidden element, -1 */
    bool link_open;
    size_t link_start;
    GString *link_url; /* the open <a>'s href */
    GString *img_url;  /* an <img> or <area> URL, reported at once */
    GString *scratch;
    html2text_link_fn link;
    void *ud;
} h2t;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool suppressed(const h2t *h)
{
    return h->in_head || h->hidden_at >= 0;
}

/* tag_table's entries by first letter: [first[c - 'a'], first[c - 'a' + 1]).
 * Looked up for every tag of every HTML part, where bsearch()'s half
 * dozen strcmp() calls cost more than the rest of the tag's handling. */
static guint8 first[27];

static void index_table(void)
{
    static gsize done;
    if (!g_once_init_enter(&done))
        return;
    guint i = 0;
    for (unsigned c = 0; c < 26; c++) {
        first[c] = (guint8)i;
        while (i < G_N_ELEMENTS(tag_table) && tag_table[i].name[0] == (char)('a' + c))
            i++;
    }
    first[26] = (guint8)i;
    /* Every entry reachable: the table is in order of first letter. */
    g_assert(i == G_N_ELEMENTS(tag_table));
    g_once_init_leave(&done, 1);
}

/* name: lower case, as parse_tag() leaves it. */
static unsigned tag_flags(const char *name)
{
    if (name[0] < 'a' || name[0] > 'z')
        return 0;
    index_table();
    unsigned c = (unsigned)(name[0] - 'a');
    for (guint i = first[c]; i < first[c + 1]; i++)
        if (strcmp(tag_table[i].name + 1, name + 1) == 0)
            return tag_table[i].flags;
    return 0;
}

/* ------------------------------------------------------------ output */

/* Pay what is owed before the next text: trailing spaces go, and the
 * line breaks already at the end count towards the ones owed. */
static void flush_pending(h2t *h)
{
    GString *o = h->out;
    if (o->len > h->base && h->nl) {
        size_t len = o->len;
        while (len > h->base && o->str[len - 1] == ' ')
            len--;
        g_string_truncate(o, len);
        int have = 0;
        while (have < 2 && o->len - have > h->base && o->str[o->len - 1 - have] == '\n')
            have++;
        if (o->len > h->base && h->nl > have)
            g_string_append_len(o, "\n\n", h->nl - have);
    } else if (o->len > h->base && h->sp && o->str[o->len - 1] != '\n'
               && o->str[o->len - 1] != ' ') {
        g_string_append_c(o, ' ');
    }
    h->nl = 0;
    h->sp = false;
}

static void emit(h2t *h, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (h->hidden_at >= 0)
        return;
    if (h->in_head)
        h->in_head = false; /* visible text ends a head left open */
    flush_pending(h);
    g_string_append_len(h->out, s, (gssize)n);
    if (h->out->len >= h->cap)
        h->cut = true;
}

static void owe_lines(h2t *h, int n)
{
    if (h->nl < n)
        h->nl = n;
}

/* ------------------------------------------------------------ attributes */

/* Decode an attribute value into h->scratch: references decoded; for a
 * URL tabs and line breaks are dropped with the indentation after them (a
 * wrapped attribute), for text they become spaces.  Leading and trailing
 * spaces trimmed. */
static const char *attr_value(h2t *h, span v, bool url)
{
    GString *s = h->scratch;
    g_string_truncate(s, 0);
    const char *p = v.p, *end = v.p + v.n;
    while (p < end) {
        char buf[HTMLENT_MAX];
        size_t n = 0, used;
        if (*p == '&' && (used = htmlent_decode(p, end, true, buf, &n)) > 0) {
            g_string_append_len(s, buf, (gssize)n);
            p += used;
        } else if (*p == '\t' || *p == '\n' || *p == '\r') {
            if (!url)
                g_string_append_c(s, ' ');
            p++;
            while (url && p < end && is_space(*p)) /* a wrapped URL's indentation */
                p++;
        } else {
            g_string_append_c(s, *p++);
        }
    }
    size_t a = 0, b = s->len;
    while (a < b && s->str[a] == ' ')
        a++;
    while (b > a && s->str[b - 1] == ' ')
        b--;
    g_string_truncate(s, b);
    g_string_erase(s, 0, (gssize)a);
    return s->str;
}

/* Lower-case, white space removed, then look for the ways mail hides text. */
static bool style_hides(span style)
{
    char buf[512];
    size_t n = 0;
    for (size_t i = 0; i < style.n && n < sizeof buf - 1; i++)
        if (!is_space(style.p[i]))
            buf[n++] = g_ascii_tolower(style.p[i]);
    buf[n] = '\0';
    if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden")
        || strstr(buf, "mso-hide:all"))
        return true;
    const char *mh = strstr(buf, "max-height:0");
    return mh && !g_ascii_isdigit(mh[12]) && mh[12] != '.'
           && strstr(buf, "overflow:hidden");
}

static void note_attr(tag *t, const char *name, size_t n, span value)
{
    if (n == 4 && !g_ascii_strncasecmp(name, "href", 4))
        t->href = value;
    else if (n == 3 && !g_ascii_strncasecmp(name, "src", 3))
        t->src = value;
    else if (n == 3 && !g_ascii_strncasecmp(name, "alt", 3))
        t->alt = value;
    else if (n == 5 && !g_ascii_strncasecmp(name, "style", 5))
        t->style = value;
    else if (n == 6 && !g_ascii_strncasecmp(name, "hidden", 6))
        t->hidden = true;
}

/* Parse attributes from p to the closing '>'.  NULL at end of input. */
static const char *parse_attrs(const char *p, const char *end, tag *t)
{
    for (;;) {
        while (p < end && (is_space(*p) || *p == '/')) {
            t->self_closing = *p == '/';
            p++;
        }
        if (p >= end)
            return NULL;
        if (*p == '>')
            return p + 1;
        t->self_closing = false;
        const char *name = p++;
        while (p < end && !is_space(*p) && *p != '/' && *p != '>' && *p != '=')
            p++;
        size_t name_len = (size_t)(p - name);
        while (p < end && is_space(*p))
            p++;
        span value = { p, 0 };
        if (p < end && *p == '=') {
            p++;
            while (p < end && is_space(*p))
                p++;
            if (p >= end)
                return NULL;
            if (*p == '"' || *p == '\'') {
                const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
                if (!close)
                    return NULL;
                value = (span){ p + 1, (size_t)(close - p - 1) };
                p = close + 1;
            } else {
                value.p = p;
                while (p < end && !is_space(*p) && *p != '>')
                    p++;
                value.n = (size_t)(p - value.p);
            }
        }
        note_attr(t, name, name_len, value);
    }
}

/* p points just past '<' (and '/').  NULL at end of input. */
static const char *parse_tag(const char *p, const char *end, tag *t)
{
    size_t n = 0;
    bool too_long = false;
    while (p < end && !is_space(*p) && *p != '/' && *p != '>') {
        if (n < TAGNAME_MAX - 1)
            t->name[n++] = g_ascii_tolower(*p);
        else
            too_long = true;
        p++;
    }
    t->name[n] = '\0';
    t->flags = too_long ? 0 : tag_flags(t->name);
    if (too_long)
        t->name[0] = '\0'; /* matches nothing */
    p = parse_attrs(p, end, t);
    if (t->style.p && style_hides(t->style))
        t->hidden = true;
    return p;
}

/* ------------------------------------------------------------ elements */

static void pop_to(h2t *h, int depth)
{
    while (h->depth > depth) {
        h->depth--;
        if (!strcmp(h->stack[h->depth], "pre") && h->pre > 0)
            h->pre--;
    }
    if (h->hidden_at >= h->depth)
        h->hidden_at = -1;
}

static bool top_is(const h2t *h, const char *name)
{
    return h->depth > 0 && !strcmp(h->stack[h->depth - 1], name);
}

/* The end tags HTML lets a writer leave out. */
static void close_implied(h2t *h, const tag *t)
{
    const char *n = t->name;
    if (!strcmp(n, "li") && top_is(h, "li"))
        pop_to(h, h->depth - 1);
    if ((!strcmp(n, "dt") || !strcmp(n, "dd")) && (top_is(h, "dt") || top_is(h, "dd")))
        pop_to(h, h->depth - 1);
    if (!strcmp(n, "td") || !strcmp(n, "th") || !strcmp(n, "tr"))
        if (top_is(h, "td") || top_is(h, "th"))
            pop_to(h, h->depth - 1);
    if (!strcmp(n, "tr") && top_is(h, "tr"))
        pop_to(h, h->depth - 1);
    if (!strcmp(n, "option") && top_is(h, "option"))
        pop_to(h, h->depth - 1);
    if ((t->flags & (T_BLOCK | T_PARA)) && top_is(h, "p"))
        pop_to(h, h->depth - 1);
}

static void push(h2t *h, const tag *t)
{
    if (h->depth >= STACK_MAX) {
        h->overflow++;
        return; /* not tracked: its hidden style is ignored, text shows */
    }
    memcpy(h->stack[h->depth], t->name, TAGNAME_MAX);
    if (!strcmp(t->name, "pre"))
        h->pre++;
    if (t->hidden && h->hidden_at < 0)
        h->hidden_at = h->depth;
    h->depth++;
}

/* A link whose visible text is its own address without the scheme
 * ("example.org/page" for https://example.org/page) shows the whole URL
 * in the text, as a mail client shows it when hovered: rules looking for
 * URLs in the text find it.  Only when the text is exactly that (case
 * aside for the host, a trailing slash aside) and the cap allows. */
static void spell_out_address(h2t *h, const GString *text)
{
    const char *url = h->link_url->str;
    const char *rest = NULL;
    if (!g_ascii_strncasecmp(url, "https://", 8))
        rest = url + 8;
    else if (!g_ascii_strncasecmp(url, "http://", 7))
        rest = url + 7;
    if (!rest || !text->len || strpbrk(text->str, " \t") || !strchr(text->str, '.'))
        return;
    size_t n = strlen(rest), t = text->len;
    if (n && rest[n - 1] == '/' && (t == n - 1 || text->str[t - 1] != '/'))
        n--;
    if (t != n || g_ascii_strncasecmp(rest, text->str, n) != 0)
        return;
    /* The text was emitted as written: find it at the end of out. */
    GString *out = h->out;
    size_t end = out->len;
    while (end > h->link_start && is_space(out->str[end - 1]))
        end--;
    if (end - h->link_start < t || memcmp(out->str + end - t, text->str, t) != 0)
        return;
    size_t extra = (size_t)(rest - url);
    if (out->len + extra >= h->cap)
        return;
    g_string_insert_len(out, (gssize)(end - t), url, (gssize)extra);
}

static void finish_link(h2t *h)
{
    if (!h->link_open)
        return;
    h->link_open = false;
    GString *s = h->scratch;
    g_string_truncate(s, 0);
    if (h->out->len > h->link_start) {
        const char *p = h->out->str + h->link_start;
        const char *e = h->out->str + h->out->len;
        while (p < e && is_space(*p))
            p++;
        for (; p < e; p++)
            g_string_append_c(s, *p == '\n' ? ' ' : *p);
        while (s->len && is_space(s->str[s->len - 1]))
            g_string_truncate(s, s->len - 1);
        mvtext_clip(s, LINK_TEXT_MAX);
    }
    if (h->link)
        h->link(h->link_url->str, s->len ? s->str : NULL, h->ud);
    spell_out_address(h, s);
}

static void handle_links(h2t *h, const tag *t)
{
    if (suppressed(h) || t->hidden)
        return;
    if (!strcmp(t->name, "a") && t->href.p) {
        g_string_assign(h->link_url, attr_value(h, t->href, true));
        if (h->link_url->len) {
            h->link_open = true;
            h->link_start = h->out->len;
        }
        return;
    }
    span url = !strcmp(t->name, "img") ? t->src : !strcmp(t->name, "area") ? t->href
                                                                          : (span){ 0 };
    if (!url.p || !h->link)
        return;
    g_string_assign(h->img_url, attr_value(h, url, true));
    if (!h->img_url->len)
        return;
    const char *alt = t->alt.p ? attr_value(h, t->alt, false) : "";
    h->link(h->img_url->str, *alt ? alt : NULL, h->ud);
}

/* Skip the content of script, style and the like up to "</name". */
static const char *skip_raw(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            return end;
        if ((size_t)(end - lt) > n + 1 && lt[1] == '/'
            && !g_ascii_strncasecmp(lt + 2, name, n)
            && ((size_t)(end - lt) == n + 2 || !g_ascii_isalnum(lt[n + 2]))) {
            const char *gt = memchr(lt, '>', (size_t)(end - lt));
            return gt ? gt + 1 : end;
        }
        p = lt + 1;
    }
    return end;
}

/* The line or space a tag puts into the text, opening or closing alike. */
static void layout_break(h2t *h, const tag *t)
{
    if (t->flags & T_BR)
        h->nl = h->nl < 2 ? h->nl + 1 : 2;
    else if (t->flags & T_PARA)
        owe_lines(h, 2);
    else if (t->flags & T_BLOCK)
        owe_lines(h, 1);
    else if (t->flags & T_CELL)
        h->sp = true;
}

static const char *open_tag(h2t *h, const tag *t, const char *after, const char *end)
{
    if (!strcmp(t->name, "head") && h->out->len == h->base)
        h->in_head = true;
    else if (h->in_head && !(t->flags & T_HEAD))
        h->in_head = false;
    if (t->flags & T_RAW)
        return skip_raw(after, end, t->name);
    close_implied(h, t);
    layout_break(h, t);
    if (!strcmp(t->name, "a"))
        finish_link(h);
    handle_links(h, t);
    if (!(t->flags & T_VOID) && !t->self_closing && t->name[0])
        push(h, t);
    return after;
}

static void close_tag(h2t *h, const tag *t)
{
    if (!strcmp(t->name, "head"))
        h->in_head = false;
    if (!strcmp(t->name, "a"))
        finish_link(h);
    layout_break(h, t);
    if (!t->name[0] || (t->flags & T_VOID))
        return;
    int stop = h->depth > STACK_SEARCH ? h->depth - STACK_SEARCH : 0;
    for (int i = h->depth - 1; i >= stop; i--) {
        if (!strcmp(h->stack[i], t->name)) {
            pop_to(h, i);
            return;
        }
    }
    if (h->overflow > 0)
        h->overflow--;
    else if (!strcmp(t->name, "body") || !strcmp(t->name, "html"))
        pop_to(h, 0);
}

/* At '<'.  Returns where to go on. */
static const char *markup(h2t *h, const char *p, const char *end)
{
    if (p + 1 >= end)
        return end;
    if (p[1] == '!' || p[1] == '?') {
        if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
            if (end - p >= 5 && p[4] == '>') /* "<!-->" and "<!--->" are empty */
                return p + 5;
            if (end - p >= 6 && p[4] == '-' && p[5] == '>')
                return p + 6;
            const char *close = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
            return close ? close + 3 : end;
        }
        const char *gt = memchr(p, '>', (size_t)(end - p));
        return gt ? gt + 1 : end;
    }
    tag t = { 0 };
    const char *q = p + 1;
    if (*q == '/') {
        t.closing = true;
        q++;
    }
    if (q >= end || !g_ascii_isalpha(*q)) {
        if (t.closing) { /* "</ ..." is a bogus comment */
            const char *gt = memchr(q, '>', (size_t)(end - q));
            return gt ? gt + 1 : end;
        }
        emit(h, "<", 1);
        return p + 1;
    }
    const char *after = parse_tag(q, end, &t);
    if (!after)
        return end; /* a tag cut off by the end of input shows nothing */
    if (t.closing) {
        close_tag(h, &t);
        return after;
    }
    return open_tag(h, &t, after, end);
}

static const char *text_run(h2t *h, const char *p, const char *end)
{
    if (*p == '&') {
        char buf[HTMLENT_MAX];
        size_t n = 0, used = htmlent_decode(p, end, false, buf, &n);
        if (!used)
            used = n = 1, buf[0] = '&';
        emit(h, buf, n);
        return p + used;
    }
    if (is_space(*p)) {
        if (h->pre && !suppressed(h)) {
            if (*p == '\n') {
                flush_pending(h);
                g_string_append_c(h->out, '\n');
            } else if (*p != '\r') {
                emit(h, " ", 1);
            }
        } else {
            h->sp = true;
        }
        return p + 1;
    }
    /* Words with one plain space between them go out in one piece: the
     * space is what flush_pending() would have put back between them. */
    const char *q = p;
    while (q < end && *q != '<' && *q != '&') {
        if (is_space(*q)) {
            if (*q != ' ' || q + 1 >= end || is_space(q[1]) || q[1] == '<' || q[1] == '&')
                break;
        }
        q++;
    }
    emit(h, p, (size_t)(q - p));
    return q;
}

bool html2text(const char *html, size_t len, GString *out, size_t cap,
               html2text_link_fn link, void *ud)
{
    if (len == 0)
        return false; /* also: an empty body may come as a NULL pointer */
    h2t *h = g_new0(h2t, 1);
    h->out = out;
    h->base = out->len;
    h->cap = cap;
    h->hidden_at = -1;
    h->link = link;
    h->ud = ud;
    h->link_url = g_string_new(NULL);
    h->img_url = g_string_new(NULL);
    h->scratch = g_string_new(NULL);

    const char *p = html, *end = html + len;
    while (p < end && !h->cut && out->len < cap)
        p = *p == '<' ? markup(h, p, end) : text_run(h, p, end);
    finish_link(h);
    while (out->len > h->base && is_space(out->str[out->len - 1]))
        g_string_truncate(out, out->len - 1);
    if (out->len > h->base && out->len < cap)
        g_string_append_c(out, '\n');

    bool clipped = mvtext_clip(out, cap);
    bool cut = clipped || h->cut || (p < end && out->len >= cap);
    g_string_free(h->link_url, TRUE);
    g_string_free(h->img_url, TRUE);
    g_string_free(h->scratch, TRUE);
    g_free(h);
    return cut;
}

char *html2text_sniff_charset(const char *html, size_t len)
{
    if (len == 0)
        return NULL;
    const char *end = html + MIN(len, SNIFF_BYTES);
    for (const char *p = html; end - p > 8; p++) {
        if (g_ascii_strncasecmp(p, "charset", 7))
            continue;
        const char *q = p + 7;
        while (q < end && is_space(*q))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && (is_space(*q) || *q == '"' || *q == '\''))
            q++;
        const char *v = q;
        while (q < end && *q && (g_ascii_isalnum(*q) || strchr("-_.:", *q)))
            q++;
        if (q > v && q - v <= 40)
            return g_ascii_strdown(v, q - v);
    }
    return NULL;
}
