#include "impersonation.h"

#include <string.h>

bool imp_domain_in(const GPtrArray *domains, const char *domain)
{
    if (!domain || !domains)
        return false;
    size_t dl = strlen(domain);
    for (guint i = 0; i < domains->len; i++) {
        const char *d = g_ptr_array_index(domains, i);
        size_t n = strlen(d);
        if (dl == n ? g_ascii_strcasecmp(domain, d) == 0
                    : dl > n && domain[dl - n - 1] == '.' && g_ascii_strcasecmp(domain + dl - n, d) == 0)
            return true;
    }
    return false;
}

/* The domain of "local@domain" or "<local@domain>"; NULL if none. */
static char *addr_domain(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    if (!at || !at[1])
        return NULL;
    char *d = g_ascii_strdown(at + 1, -1);
    d[strcspn(d, "> \t")] = '\0';
    if (!*d) {
        g_free(d);
        return NULL;
    }
    return d;
}

/* Is `word` (e.g. "dmarc=fail") in the A-R text as a whole token? */
static const char *ar_token(const char *ar, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = ar; (p = strcasestr(p, word)) != NULL; p += n) {
        bool left = p == ar || strchr(" \t;(", p[-1]);
        bool right = !g_ascii_isalnum(p[n]);
        if (left && right)
            return p;
    }
    return NULL;
}

/* A "dkim=pass" result whose header.d (or header.i) lies in `domains`.
 * A result ends at the next ';'. */
static bool ar_dkim_pass_for(const char *ar, const GPtrArray *domains)
{
    for (const char *p = ar; (p = ar_token(p, "dkim=pass")) != NULL; p += 9) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *res = g_strndup(p, len);
        const char *keys[] = {"header.d=", "header.i="};
        for (unsigned k = 0; k < G_N_ELEMENTS(keys); k++) {
            const char *d = strcasestr(res, keys[k]);
            if (!d)
                continue;
            d += strlen(keys[k]);
            if (*d == '@')
                d++;
            else if (strchr(d, '@') && strchr(d, '@') < d + strcspn(d, " \t()"))
                d = strchr(d, '@') + 1;
            char *dom = g_ascii_strdown(d, (gssize)strcspn(d, " \t();\""));
            bool hit = imp_domain_in(domains, dom);
            g_free(dom);
            if (hit) {
                g_free(res);
                return true;
            }
        }
        g_free(res);
    }
    return false;
}

/* Bounce domains of the bulk-mail services agencies send through.  Their
 * envelope says nothing either way (anyone can have an account), so it is
 * not held against a notice whose From is the agency's; a forged From
 * through them is still caught by a DMARC failure. */
static const GPtrArray *bulk_senders(void)
{
    static const char *const names[] = {
        "amazonses.com", "sendgrid.net", "mailgun.org", "mailgun.net", "mcsv.net",
        "mcdlv.net", "rsgsv.net", "mandrillapp.com", "sparkpostmail.com", "mailjet.com",
        "sendinblue.com", "brevo.com", "mtasv.net", "postmarkapp.com", "hubspotemail.net",
        "exacttarget.com", "mktomail.com", "zendesk.com", "freshdesk.com", "smtp2go.com",
        "mailchimpapp.net", "salesforce.com", "helpscout.net",
    };
    static GPtrArray *list;
    static gsize once;
    if (g_once_init_enter(&once)) {
        list = g_ptr_array_new();
        for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
            g_ptr_array_add(list, (gpointer)names[i]);
        g_once_init_leave(&once, 1);
    }
    return list;
}

const char *imp_sender_reason(const msgview *v, const char *env_sender, const GPtrArray *domains)
{
    if (!v || !domains || !domains->len)
        return NULL;
    const char *ar = v->auth_results;
    if (ar && ar_token(ar, "dmarc=fail"))
        return "dmarc-fail";
    char *rp = addr_domain(env_sender && *env_sender ? env_sender : v->return_path.addr);
    bool foreign = rp && !imp_domain_in(domains, rp) && !imp_domain_in(bulk_senders(), rp);
    g_free(rp);
    if (foreign && !(ar && ar_dkim_pass_for(ar, domains)))
        return "return-path-not-agency";
    return NULL;
}

/* Words that head the original sender's line in a forwarded or quoted
 * message, in the languages of the notices. */
static const char *const from_words[] = {
    "from:", "von:", "de:", "fra:", "van:", "fr\xc3\xa5n:", "da:", "od:", "mittente:",
};

#define FORWARD_SCAN_BYTES (256 * 1024)   /* the original is near the top */

/* Does this line (without its quote marks) name a sender in `domains`? */
static bool from_line_in(const char *line, size_t len, const GPtrArray *domains)
{
    while (len && (*line == '>' || *line == ' ' || *line == '\t' || *line == '*')) {
        line++;
        len--;
    }
    const char *rest = NULL;
    for (unsigned i = 0; !rest && i < G_N_ELEMENTS(from_words); i++) {
        size_t n = strlen(from_words[i]);
        if (len > n && g_ascii_strncasecmp(line, from_words[i], n) == 0)
            rest = line + n;
    }
    if (!rest)
        return false;
    const char *at = memchr(rest, '@', len - (size_t)(rest - line));
    if (!at)
        return false;
    size_t dl = 0;
    const char *end = line + len;
    while (at + 1 + dl < end && (g_ascii_isalnum(at[1 + dl]) || at[1 + dl] == '.' || at[1 + dl] == '-'))
        dl++;
    char *dom = g_ascii_strdown(at + 1, (gssize)dl);
    bool hit = dl && imp_domain_in(domains, dom);
    g_free(dom);
    return hit;
}

bool imp_forwarded_from(const msgview *v, const GPtrArray *domains)
{
    if (!v || !v->body_text || !domains || !domains->len)
        return false;
    const char *s = v->body_text->str;   /* every part, forwarded ones too */
    const char *end = s + MIN(v->body_text->len, (gsize)FORWARD_SCAN_BYTES);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *eol = nl ? nl : end;
        if (from_line_in(s, (size_t)(eol - s), domains))
            return true;
        s = eol + 1;
    }
    return false;
}
