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

/* ---------------------------------------------- Authentication-Results */

/* A copy of an A-R value to read results from: comments blanked out
 * (nested, with quoted pairs), quoted strings unquoted with their white
 * space, ';', '=' and '(' turned into '_', and white space around '='
 * dropped ("dkim = pass" is "dkim=pass").  What is left of structure is
 * the header's own. */
static char *ar_plain(const char *ar)
{
    GString *out = g_string_sized_new(strlen(ar));
    int depth = 0;
    bool quoted = false;
    for (const char *p = ar; *p; p++) {
        char c = *p;
        if (c == '\\' && (depth || quoted) && p[1]) {
            p++;
            if (quoted)
                g_string_append_c(out, strchr(" \t;=(", *p) ? '_' : *p);
        } else if (quoted) {
            if (c == '"')
                quoted = false;
            else
                g_string_append_c(out, strchr(" \t;=(", c) ? '_' : c);
        } else if (c == '(') {
            depth++;
            g_string_append_c(out, ' ');
        } else if (depth) {
            depth -= c == ')';
        } else if (c == '"') {
            quoted = true;
        } else if (c == '=') {
            while (out->len && g_ascii_isspace(out->str[out->len - 1]))
                g_string_truncate(out, out->len - 1);
            g_string_append_c(out, '=');
            while (p[1] == ' ' || p[1] == '\t')
                p++;
        } else {
            g_string_append_c(out, c);
        }
    }
    return g_string_free(out, FALSE);
}

char *imp_authserv_id(const char *ar_value)
{
    if (!ar_value)
        return NULL;
    char *plain = ar_plain(ar_value);
    const char *p = plain + strspn(plain, " \t");
    size_t n = strcspn(p, " \t;");
    /* "spf=pass ..." has no id: a result is not one. */
    char *id = n && !memchr(p, '=', n) ? g_strndup(p, n) : NULL;
    g_free(plain);
    return id;
}

bool imp_ar_trusted(const char *ar_value, const GPtrArray *trusted)
{
    if (!trusted || !trusted->len)
        return false;
    char *id = imp_authserv_id(ar_value);
    bool yes = false;
    for (guint i = 0; id && !yes && i < trusted->len; i++)
        yes = g_ascii_strcasecmp(id, g_ptr_array_index(trusted, i)) == 0;
    g_free(id);
    return yes;
}

/* The domain a header.d / header.i value names ("pixsy.com",
 * "@pixsy.com", "cases@pixsy.com"), lower-cased, or NULL. */
static char *ar_property_domain(const char *value)
{
    const char *at = strrchr(value, '@');
    const char *d = at ? at + 1 : value;
    return *d ? g_ascii_strdown(d, -1) : NULL;
}

/* Does the result "method=result prop=value ..." (one resinfo of a plain
 * A-R) say dmarc=fail (domains NULL) or dkim=pass for one of `domains`
 * in header.d or header.i? */
static bool ar_result_says(const char *resinfo, const GPtrArray *domains)
{
    char **words = g_strsplit_set(resinfo, " \t", -1);
    const char *first = NULL;
    bool hit = false;
    for (unsigned i = 0; words[i] && !hit; i++) {
        const char *w = words[i];
        if (!*w)
            continue;
        if (!first) {
            first = w;
            if (!domains)
                hit = g_ascii_strcasecmp(w, "dmarc=fail") == 0;
            else if (g_ascii_strcasecmp(w, "dkim=pass") != 0)
                break;
            continue;
        }
        if (!domains)
            break;
        if (g_ascii_strncasecmp(w, "header.d=", 9) == 0 || g_ascii_strncasecmp(w, "header.i=", 9) == 0) {
            char *dom = ar_property_domain(w + 9);
            hit = dom && imp_domain_in(domains, dom);
            g_free(dom);
        }
    }
    g_strfreev(words);
    return hit;
}

/* Does one A-R value hold such a result?  The first ';'-separated piece
 * is the authserv-id (and version), not a result. */
static bool ar_says(const char *ar, const GPtrArray *domains)
{
    char *plain = ar_plain(ar);
    char **pieces = g_strsplit(plain, ";", -1);
    bool hit = false;
    for (unsigned i = 1; pieces[0] && pieces[i] && !hit; i++)
        hit = ar_result_says(pieces[i], domains);
    g_strfreev(pieces);
    g_free(plain);
    return hit;
}

/* Does a trusted Authentication-Results header of the message say
 * dmarc=fail (domains NULL) or dkim=pass for one of `domains`? */
static bool trusted_ar_says(const msgview *v, const rules_env *env, const GPtrArray *domains)
{
    const GPtrArray *trusted = env ? env->trusted_authserv_ids : NULL;
    if (!trusted || !trusted->len)
        return false;
    for (guint i = 0; i < v->headers->len; i++) {
        const mv_header *h = g_ptr_array_index(v->headers, i);
        if (g_ascii_strcasecmp(h->name, "Authentication-Results") == 0 &&
            imp_ar_trusted(h->value, trusted) && ar_says(h->value, domains))
            return true;
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

const char *imp_sender_reason(const msgview *v, const rules_env *env, const GPtrArray *domains)
{
    if (!v || !domains || !domains->len)
        return NULL;
    if (trusted_ar_says(v, env, NULL))
        return "dmarc-fail";
    const char *env_sender = env ? env->env_sender : NULL;
    char *rp = addr_domain(env_sender && *env_sender ? env_sender : v->return_path.addr);
    bool foreign = rp && !imp_domain_in(domains, rp) && !imp_domain_in(bulk_senders(), rp);
    g_free(rp);
    if (foreign && !trusted_ar_says(v, env, domains))
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
