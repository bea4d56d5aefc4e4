#include "htmlent.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

typedef struct entity {
    const char *name;
    unsigned cp;
} entity;

/* Sorted by strcmp() for bsearch(). */
static const entity entities[] = {
    {"AElig", 0x00c6}, {"Aacute", 0x00c1}, {"Acirc", 0x00c2},
    {"Agrave", 0x00c0}, {"Aring", 0x00c5}, {"Atilde", 0x00c3},
    {"Auml", 0x00c4}, {"Ccedil", 0x00c7}, {"Dagger", 0x2021}, {"ETH", 0x00d0},
    {"Eacute", 0x00c9}, {"Ecirc", 0x00ca}, {"Egrave", 0x00c8},
    {"Euml", 0x00cb}, {"Iacute", 0x00cd}, {"Icirc", 0x00ce},
    {"Igrave", 0x00cc}, {"Iuml", 0x00cf}, {"Ntilde", 0x00d1},
    {"OElig", 0x0152}, {"Oacute", 0x00d3}, {"Ocirc", 0x00d4},
    {"Ograve", 0x00d2}, {"Oslash", 0x00d8}, {"Otilde", 0x00d5},
    {"Ouml", 0x00d6}, {"Prime", 0x2033}, {"Scaron", 0x0160}, {"THORN", 0x00de},
    {"Uacute", 0x00da}, {"Ucirc", 0x00db}, {"Ugrave", 0x00d9},
    {"Uuml", 0x00dc}, {"Yacute", 0x00dd}, {"Yuml", 0x0178}, {"aacute", 0x00e1},
    {"acirc", 0x00e2}, {"acute", 0x00b4}, {"aelig", 0x00e6},
    {"agrave", 0x00e0}, {"alpha", 0x03b1}, {"amp", 0x0026}, {"apos", 0x0027},
    {"aring", 0x00e5}, {"asymp", 0x2248}, {"atilde", 0x00e3}, {"auml", 0x00e4},
    {"bdquo", 0x201e}, {"beta", 0x03b2}, {"brvbar", 0x00a6}, {"bull", 0x2022},
    {"ccedil", 0x00e7}, {"cedil", 0x00b8}, {"cent", 0x00a2}, {"circ", 0x02c6},
    {"copy", 0x00a9}, {"curren", 0x00a4}, {"dagger", 0x2020}, {"darr", 0x2193},
    {"deg", 0x00b0}, {"delta", 0x03b4}, {"divide", 0x00f7}, {"eacute", 0x00e9},
    {"ecirc", 0x00ea}, {"egrave", 0x00e8}, {"emsp", 0x2003}, {"ensp", 0x2002},
    {"eth", 0x00f0}, {"euml", 0x00eb}, {"euro", 0x20ac}, {"fnof", 0x0192},
    {"frac12", 0x00bd}, {"frac14", 0x00bc}, {"frac34", 0x00be},
    {"gamma", 0x03b3}, {"ge", 0x2265}, {"gt", 0x003e}, {"harr", 0x2194},
    {"hellip", 0x2026}, {"iacute", 0x00ed}, {"icirc", 0x00ee},
    {"iexcl", 0x00a1}, {"igrave", 0x00ec}, {"infin", 0x221e},
    {"iquest", 0x00bf}, {"iuml", 0x00ef}, {"laquo", 0x00ab}, {"larr", 0x2190},
    {"ldquo", 0x201c}, {"le", 0x2264}, {"lrm", 0x200e}, {"lsaquo", 0x2039},
    {"lsquo", 0x2018}, {"lt", 0x003c}, {"macr", 0x00af}, {"mdash", 0x2014},
    {"micro", 0x00b5}, {"middot", 0x00b7}, {"minus", 0x2212}, {"mu", 0x03bc},
    {"nbsp", 0x00a0}, {"ndash", 0x2013}, {"ne", 0x2260}, {"not", 0x00ac},
    {"ntilde", 0x00f1}, {"oacute", 0x00f3}, {"ocirc", 0x00f4},
    {"oelig", 0x0153}, {"ograve", 0x00f2}, {"omega", 0x03c9}, {"ordf", 0x00aa},
    {"ordm", 0x00ba}, {"oslash", 0x00f8}, {"otilde", 0x00f5}, {"ouml", 0x00f6},
    {"para", 0x00b6}, {"permil", 0x2030}, {"pi", 0x03c0}, {"plusmn", 0x00b1},
    {"pound", 0x00a3}, {"prime", 0x2032}, {"quot", 0x0022}, {"radic", 0x221a},
    {"raquo", 0x00bb}, {"rarr", 0x2192}, {"rdquo", 0x201d}, {"reg", 0x00ae},
    {"rlm", 0x200f}, {"rsaquo", 0x203a}, {"rsquo", 0x2019}, {"sbquo", 0x201a},
    {"scaron", 0x0161}, {"sect", 0x00a7}, {"shy", 0x00ad}, {"sigma", 0x03c3},
    {"sum", 0x2211}, {"sup1", 0x00b9}, {"sup2", 0x00b2}, {"sup3", 0x00b3},
    {"szlig", 0x00df}, {"thinsp", 0x2009}, {"thorn", 0x00fe},
    {"tilde", 0x02dc}, {"times", 0x00d7}, {"trade", 0x2122},
    {"uacute", 0x00fa}, {"uarr", 0x2191}, {"ucirc", 0x00fb},
    {"ugrave", 0x00f9}, {"uml", 0x00a8}, {"uuml", 0x00fc}, {"yacute", 0x00fd},
    {"yen", 0x00a5}, {"yuml", 0x00ff}, {"zwj", 0x200d}, {"zwnj", 0x200c},
};

/* windows-1252 for numeric references 0x80-0x9f (HTML's rule). */
static const unsigned short c1_map[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static const char *const legacy[] = { "amp", "lt", "gt", "quot", "nbsp", "copy", "reg" };

static int entity_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const entity *)elem)->name);
}

static size_t encode(unsigned cp, char *out)
{
    if (cp == 0xa0) {
        out[0] = ' ';
        return 1;
    }
    if (cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 || cp == 0xfeff)
        return 0;
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = 0xfffd;
    else if (cp >= 0x80 && cp <= 0x9f)
        cp = c1_map[cp - 0x80];
    return (size_t)g_unichar_to_utf8(cp, out);
}

static size_t decode_numeric(const char *p, const char *end, char *out, size_t *out_len)
{
    const char *q = p + 2; /* past "&#" */
    bool hex = q < end && (*q == 'x' || *q == 'X');
    if (hex)
        q++;
    const char *digits = q;
    unsigned long v = 0;
    while (q < end && (hex ? g_ascii_isxdigit(*q) : g_ascii_isdigit(*q))) {
        if (v <= 0x10ffff) /* keep reading digits, stop growing */
            v = v * (hex ? 16 : 10) + (unsigned long)(hex ? g_ascii_xdigit_value(*q)
                                                          : g_ascii_digit_value(*q));
        q++;
    }
    if (q == digits)
        return 0;
    if (q < end && *q == ';')
        q++;
    *out_len = encode(v > 0x10ffff ? 0x110000 : (unsigned)v, out);
    return (size_t)(q - p);
}

size_t htmlent_decode(const char *p, const char *end, bool in_attr,
                      char *out, size_t *out_len)
{
    *out_len = 0;
    if (p + 1 >= end || *p != '&')
        return 0;
    if (p[1] == '#')
        return decode_numeric(p, end, out, out_len);

    char name[12];
    size_t n = 0;
    const char *q = p + 1;
    while (q < end && n < sizeof name - 1 && g_ascii_isalnum(*q))
        name[n++] = *q++;
    name[n] = '\0';
    if (n == 0)
        return 0;
    if (q < end && *q == ';') {
        const entity *e = bsearch(name, entities, G_N_ELEMENTS(entities),
                                  sizeof entities[0], entity_cmp);
        if (!e)
            return 0;
        *out_len = encode(e->cp, out);
        return (size_t)(q + 1 - p);
    }
    if (in_attr)
        return 0;
    for (size_t i = 0; i < G_N_ELEMENTS(legacy); i++) {
        size_t len = strlen(legacy[i]);
        if (n >= len && !strncmp(name, legacy[i], len)) {
            const entity *e = bsearch(legacy[i], entities, G_N_ELEMENTS(entities),
                                      sizeof entities[0], entity_cmp);
            if (!e)
                return 0;
            *out_len = encode(e->cp, out);
            return len + 1;
        }
    }
    return 0;
}
