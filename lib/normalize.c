#include "normalize.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ currency */

static const struct { const char *token; const char *iso; } currency_tokens[] = {
    /* longest first where one is a prefix of another */
    {"US$", "USD"}, {"USD", "USD"}, {"AU$", "AUD"}, {"A$", "AUD"}, {"AUD", "AUD"},
    {"CA$", "CAD"}, {"C$", "CAD"}, {"CAD", "CAD"}, {"NZ$", "NZD"}, {"NZD", "NZD"},
    {"EUR", "EUR"}, {"\xe2\x82\xac", "EUR"}, {"euro", "EUR"},
    {"GBP", "GBP"}, {"\xc2\xa3", "GBP"}, {"pounds", "GBP"},
    {"CHF", "CHF"}, {"SFr", "CHF"}, {"SEK", "SEK"}, {"NOK", "NOK"}, {"DKK", "DKK"},
    {"PLN", "PLN"}, {"z\xc5\x82", "PLN"}, {"CZK", "CZK"}, {"JPY", "JPY"},
    {"\xc2\xa5", "JPY"}, {"dollars", "USD"}, {"dollar", "USD"}, {"$", "USD"},
    /* A bare "kr" (kroner/kronor) names no country: Danish agencies write
     * it most, so it is DKK; a written code (SEK, NOK) comes first above. */
    {"kr", "DKK"}, {"kroner", "DKK"},
};

char *norm_currency(const char *text)
{
    if (!text)
        return NULL;
    for (unsigned i = 0; i < G_N_ELEMENTS(currency_tokens); i++) {
        const char *tok = currency_tokens[i].token;
        bool alpha = g_ascii_isalpha(tok[0]) && g_ascii_isalpha(tok[strlen(tok) - 1]);
        const char *hit = alpha ? strcasestr(text, tok) : strstr(text, tok);
        /* Letter codes must stand alone: "EUR" but not "EURO" → still EUR
         * via "euro"; "USD" inside "USDT" is not a currency we know. */
        if (hit && alpha) {
            size_t n = strlen(tok);
            bool left = hit == text || !g_ascii_isalpha(hit[-1]);
            bool plural = g_ascii_tolower(hit[n]) == 's' && !g_ascii_isalpha(hit[n + 1]);
            bool right = !g_ascii_isalpha(hit[n]) || (plural && g_ascii_isalpha(tok[1]) && n > 3);
            if (!left || !right)
                continue;
        }
        if (hit)
            return g_strdup(currency_tokens[i].iso);
    }
    return NULL;
}

/* ------------------------------------------------------------ amounts */

/* " 250" in "1 250,00": a space is a thousands mark only before exactly
 * three digits. */
static bool thousands_group(const char *p)
{
    return g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) && !g_ascii_isdigit(p[3]);
}

/* Collect the first run of digits and separators ("1.234,56", "1'200").
 * The last separator is the decimal mark when one or two digits follow it
 * (and it is not the only kind of separator used for thousands). */
bool norm_amount(const char *text, int64_t *cents, char **currency)
{
    if (!text)
        return false;
    const char *p = text;
    while (*p && !g_ascii_isdigit(*p))
        p++;
    if (!*p)
        return false;
    char digits[32];
    size_t nd = 0;
    int last_sep_pos = -1;     /* index in digits[] where the last separator stood */
    char last_sep = 0;
    for (; *p; p++) {
        if (g_ascii_isdigit(*p)) {
            if (nd >= sizeof digits - 1)
                return false;
            digits[nd++] = *p;
        } else if (((*p == '.' || *p == ',' || *p == '\'') && g_ascii_isdigit(p[1])) ||
                   (*p == ' ' && thousands_group(p + 1))) {
            last_sep = *p;
            last_sep_pos = (int)nd;
        } else {
            break;
        }
    }
    digits[nd] = '\0';
    size_t frac_digits = last_sep_pos >= 0 ? nd - (size_t)last_sep_pos : 0;
    bool decimal = (last_sep == '.' || last_sep == ',') && frac_digits >= 1 && frac_digits <= 2;
    /* "1.250" with a single separator and three digits is a thousands mark. */
    int64_t whole = 0, frac = 0;
    size_t int_len = decimal ? (size_t)last_sep_pos : nd;
    if (int_len > 13)
        return false;
    for (size_t i = 0; i < int_len; i++)
        whole = whole * 10 + (digits[i] - '0');
    if (decimal) {
        frac = digits[int_len] - '0';
        frac = frac * 10 + (frac_digits == 2 ? digits[int_len + 1] - '0' : 0);
    }
    *cents = whole * 100 + frac;
    if (currency) {
        char *c = norm_currency(text);
        if (c) {
            g_free(*currency);
            *currency = c;
        }
    }
    return true;
}

char *norm_cents_format(int64_t cents)
{
    return g_strdup_printf("%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

/* ------------------------------------------------------------ dates */

static const struct { const char *name; int month; } month_names[] = {
    {"january", 1}, {"jan", 1}, {"januar", 1}, {"janvier", 1}, {"february", 2}, {"feb", 2},
    {"februar", 2}, {"march", 3}, {"mar", 3}, {"m\xc3\xa4rz", 3}, {"maerz", 3}, {"mrz", 3},
    {"april", 4}, {"apr", 4}, {"may", 5}, {"mai", 5}, {"june", 6}, {"jun", 6}, {"juni", 6},
    {"july", 7}, {"jul", 7}, {"juli", 7}, {"august", 8}, {"aug", 8}, {"september", 9},
    {"sept", 9}, {"sep", 9}, {"october", 10}, {"oct", 10}, {"oktober", 10}, {"okt", 10},
    {"november", 11}, {"nov", 11}, {"december", 12}, {"dec", 12}, {"dezember", 12}, {"dez", 12},
    /* French, Dutch, Danish, Swedish, Norwegian (where they differ) */
    {"f\xc3\xa9vrier", 2}, {"fevrier", 2}, {"mars", 3}, {"avril", 4}, {"juin", 6},
    {"juillet", 7}, {"ao\xc3\xbbt", 8}, {"aout", 8}, {"septembre", 9}, {"octobre", 10},
    {"novembre", 11}, {"d\xc3\xa9" "cembre", 12}, {"decembre", 12},
    {"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8},
    {"marts", 3}, {"maj", 5}, {"augusti", 8}, {"desember", 12},
};

static int month_from_word(const char *w, size_t n)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(month_names); i++)
        if (strlen(month_names[i].name) == n && g_ascii_strncasecmp(w, month_names[i].name, n) == 0)
            return month_names[i].month;
    return 0;
}

static char *iso_date(int y, int m, int d)
{
    if (y < 100)
        y += 2000;
    if (!g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y) || y < 1990 || y > 2200)
        return NULL;
    return g_strdup_printf("%04d-%02d-%02d", y, m, d);
}

/* Tokens: numbers and words, in order; everything else separates. */
typedef struct dtok { bool num; int val; const char *s; size_t n; char sep; } dtok;

static unsigned tokenize(const char *t, dtok *out, unsigned max)
{
    unsigned n = 0;
    const char *p = t;
    while (*p && n < max) {
        const char *s = p;
        if (g_ascii_isdigit(*p)) {
            int v = 0;
            while (g_ascii_isdigit(*p) && v < 100000)
                v = v * 10 + (*p++ - '0');
            out[n] = (dtok){true, v, s, (size_t)(p - s), *p};
            n++;
        } else if (g_ascii_isalpha(*p) || (unsigned char)*p >= 0x80) {
            while (g_ascii_isalpha(*p) || (unsigned char)*p >= 0x80)
                p++;
            out[n] = (dtok){false, 0, s, (size_t)(p - s), *p};
            n++;
        } else {
            p++;
        }
    }
    return n;
}

static const struct { const char *word; int n; } number_words[] = {
    {"seven", 7}, {"ten", 10}, {"fourteen", 14}, {"fifteen", 15}, {"twenty", 20},
    {"thirty", 30}, {"sieben", 7}, {"zehn", 10}, {"vierzehn", 14}, {"dreissig", 30},
    {"three", 3}, {"five", 5}, {"f\xc3\xbcnf", 5}, {"drei", 3}, {"syv", 7}, {"fjorten", 14}, {"veertien", 14},
    {"quatorze", 14}, {"sept", 7}, {"dix", 10},
};

/* "within 14 days", "innerhalb von 14 Tagen", "14 business days" → base + N. */
static char *relative_deadline(const dtok *tk, unsigned n, time_t base)
{
    for (unsigned i = 0; i + 1 < n; i++) {
        int days = tk[i].num ? tk[i].val : 0;
        for (unsigned w = 0; !tk[i].num && w < G_N_ELEMENTS(number_words); w++)
            if (strlen(number_words[w].word) == tk[i].n &&
                g_ascii_strncasecmp(tk[i].s, number_words[w].word, tk[i].n) == 0)
                days = number_words[w].n;
        if (days <= 0 || days > 365)
            continue;
        unsigned j = i + 1;
        bool business = false;
        if (j < n && !tk[j].num && (g_ascii_strncasecmp(tk[j].s, "business", 8) == 0 ||
                                    g_ascii_strncasecmp(tk[j].s, "working", 7) == 0 ||
                                    g_ascii_strncasecmp(tk[j].s, "Werktage", 8) == 0 ||
                                    g_ascii_strncasecmp(tk[j].s, "Arbeitstage", 11) == 0 ||
                                    g_ascii_strncasecmp(tk[j].s, "calendar", 8) == 0)) {
            business = g_ascii_strncasecmp(tk[j].s, "calendar", 8) != 0;
            if (g_ascii_strncasecmp(tk[j].s, "Werktage", 8) == 0 || g_ascii_strncasecmp(tk[j].s, "Arbeitstage", 11) == 0)
                j--; /* "Werktagen" is itself the unit */
            j++;
        }
        if (j >= n || tk[j].num)
            continue;
        bool unit = g_ascii_strncasecmp(tk[j].s, "day", 3) == 0 ||
                    g_ascii_strncasecmp(tk[j].s, "tag", 3) == 0 ||
                    g_ascii_strncasecmp(tk[j].s, "werktag", 7) == 0 ||
                    g_ascii_strncasecmp(tk[j].s, "arbeitstag", 10) == 0 ||
                    g_ascii_strncasecmp(tk[j].s, "dag", 3) == 0 ||    /* da nl sv no */
                    g_ascii_strncasecmp(tk[j].s, "jour", 4) == 0;     /* fr */
        if (!unit || base <= 0)
            continue;
        GDateTime *dt = g_date_time_new_from_unix_utc(base);
        if (!dt)
            return NULL;
        int added = 0;
        while (added < days) {
            GDateTime *next = g_date_time_add_days(dt, 1);
            g_date_time_unref(dt);
            dt = next;
            int wd = g_date_time_get_day_of_week(dt);
            if (!business || wd < 6)
                added++;
        }
        char *s = g_date_time_format(dt, "%Y-%m-%d");
        g_date_time_unref(dt);
        return s;
    }
    return NULL;
}

char *norm_deadline(const char *text, time_t base)
{
    if (!text)
        return NULL;
    dtok tk[24];
    unsigned n = tokenize(text, tk, G_N_ELEMENTS(tk));
    for (unsigned i = 0; i < n; i++) {
        /* 2024-05-07 */
        if (i + 2 < n && tk[i].num && tk[i].n == 4 && tk[i + 1].num && tk[i + 2].num && tk[i].sep == '-')
            return iso_date(tk[i].val, tk[i + 1].val, tk[i + 2].val);
        /* 07.05.2024 (day first), 05/07/2024 (month first unless day > 12) */
        if (i + 2 < n && tk[i].num && tk[i + 1].num && tk[i + 2].num && tk[i].n <= 2 && tk[i + 1].n <= 2 &&
            (tk[i + 2].n == 4 || tk[i + 2].n == 2)) {
            bool slash = tk[i].sep == '/';
            if (slash && tk[i].val <= 12)
                return iso_date(tk[i + 2].val, tk[i].val, tk[i + 1].val);
            return iso_date(tk[i + 2].val, tk[i + 1].val, tk[i].val);
        }
        /* 7 May 2024, 7. Mai 2024, 7th of May 2024 */
        if (tk[i].num && tk[i].n <= 2) {
            unsigned j = i + 1;
            while (j < n && !tk[j].num && !month_from_word(tk[j].s, tk[j].n) && tk[j].n <= 2)
                j++; /* skip "th", "of" */
            if (j + 1 < n && !tk[j].num && month_from_word(tk[j].s, tk[j].n) && tk[j + 1].num && tk[j + 1].n == 4)
                return iso_date(tk[j + 1].val, month_from_word(tk[j].s, tk[j].n), tk[i].val);
        }
        /* May 7, 2024 / May 7th 2024 */
        if (!tk[i].num && month_from_word(tk[i].s, tk[i].n) && i + 1 < n && tk[i + 1].num && tk[i + 1].n <= 2) {
            unsigned j = i + 2;
            if (j < n && !tk[j].num && tk[j].n <= 2)
                j++;
            if (j < n && tk[j].num && tk[j].n == 4)
                return iso_date(tk[j].val, month_from_word(tk[i].s, tk[i].n), tk[i + 1].val);
        }
    }
    return relative_deadline(tk, n, base);
}

/* ------------------------------------------------------------ text */

char *norm_text(const char *text, size_t max_chars)
{
    if (!text)
        return NULL;
    GString *out = g_string_new(NULL);
    bool space = false;
    size_t chars = 0;
    for (const char *p = text; *p && chars < max_chars; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c) || c < 0x20 || c == 0x7f) {
            space = out->len > 0;
            continue;
        }
        if (space)
            g_string_append_c(out, ' ');
        space = false;
        g_string_append_unichar(out, c);
        chars++;
    }
    if (out->len == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------ Date zone */

/* The zone of an RFC 5322 Date ("+0200", "-0500", "GMT", "UT"): the last
 * token of the header that is a sign and four digits. */
long norm_date_offset(const char *date_header)
{
    if (!date_header)
        return 0;
    long off = 0;
    for (const char *p = date_header; *p; p++) {
        if ((*p == '+' || *p == '-') && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
            g_ascii_isdigit(p[3]) && g_ascii_isdigit(p[4]) && !g_ascii_isdigit(p[5])) {
            int hh = (p[1] - '0') * 10 + (p[2] - '0');
            int mm = (p[3] - '0') * 10 + (p[4] - '0');
            if (hh <= 14 && mm < 60)
                off = (*p == '-' ? -1 : 1) * (long)(hh * 3600 + mm * 60);
        }
    }
    return off;
}

/* ------------------------------------------------------------ clients */

/* Abbreviations whose full stop belongs to a company name. */
static const char *const name_abbrevs[] = {
    "Inc", "Ltd", "Co", "Corp", "Bros", "Ltda", "Pty", "Jr", "Sr",
    "S.A", "S.L", "B.V", "N.V", "e.V", "GmbH & Co", "L.L.C", "P.C", "S.p.A", "S.r.l",
};

static bool ends_with_abbrev(const char *s, size_t n)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(name_abbrevs); i++) {
        size_t k = strlen(name_abbrevs[i]);
        if (n >= k && strncmp(s + n - k, name_abbrevs[i], k) == 0 &&
            (n == k || !g_ascii_isalnum(s[n - k - 1])))
            return true;
    }
    return false;
}

char *norm_client(const char *text, size_t max_chars)
{
    char *s = norm_text(text, max_chars);
    if (!s)
        return NULL;
    size_t lead = strspn(s, " \"'");
    memmove(s, s + lead, strlen(s + lead) + 1);
    size_t n = strlen(s);
    while (n && strchr(" ,;:\"'", s[n - 1]))
        s[--n] = '\0';
    /* "Reuters News & Media Inc." keeps its full stop; "Alamy." does not. */
    while (n && s[n - 1] == '.' && !ends_with_abbrev(s, n - 1))
        s[--n] = '\0';
    while (n && strchr(" ,;:\"'", s[n - 1]))
        s[--n] = '\0';
    if (!n) {
        g_free(s);
        return NULL;
    }
    return s;
}
