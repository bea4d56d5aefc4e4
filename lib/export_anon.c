/* export_anon — anonymize a loaded export set in place (export.h).
 *
 * Each recipient gets a pseudonym (recipient-1@anonymized.invalid, ... in
 * the order of the set) and an anonymizer that knows the recipient's
 * address and every address and display name its messages were sent to
 * (To, Cc, Delivered-To, X-Original-To), plus the names the user gives
 * (`export --anonymize-name`: a greeting may name someone no header does).
 * Every text that came from mail
 * is passed through it; agency, kinds, amounts, dates and hashes stay.
 * Raw messages are anonymized as MIME (anonymizer_apply_message(): encoded
 * bodies and headers included, attachments that cannot be cleaned
 * replaced by a note).  The sha256 of each message stays the original's,
 * so a lawyer holding the original can match it; the anonymized raw bytes
 * no longer hash to it.
 */
#include "export.h"

#include "anonymize.h"

static void export_anon_str(const anonymizer *a, char **s)
{
    char *clean = anonymizer_apply_str(a, *s);
    g_free(*s);
    *s = clean;
}

static void export_anon_list(const anonymizer *a, GPtrArray *list)
{
    for (guint i = 0; list && i < list->len; i++)
        export_anon_str(a, (char **)&g_ptr_array_index(list, i));
}

static void export_anon_entry(const anonymizer *a, casedb_entry *e)
{
    char **texts[] = {
        &e->env_sender, &e->from_addr, &e->from_name, &e->subject, &e->message_id,
        &e->case_id, &e->client, &e->portal_url,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++)
        export_anon_str(a, texts[i]);
    export_anon_list(a, e->image_urls);
    export_anon_list(a, e->page_urls);
    if (e->raw) {
        gsize n = 0;
        const char *p = g_bytes_get_data(e->raw, &n);
        GString *clean = anonymizer_apply_message(a, p ? p : "", n);
        g_bytes_unref(e->raw);
        e->raw = g_string_free_to_bytes(clean);
    }
}

static anonymizer *export_anon_for(const export_set *s, const char *recipient,
                                   const char *pseudonym, const char *const *names)
{
    anonymizer *a = anonymizer_new();
    anonymizer_add_address(a, recipient, pseudonym);
    for (const char *const *n = names; n && *n; n++)
        anonymizer_add_name(a, *n);
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        if (g_strcmp0(ec->c->recipient, recipient) != 0)
            continue;
        for (guint j = 0; j < ec->timeline->len; j++) {
            const casedb_entry *e = g_ptr_array_index(ec->timeline, j);
            gsize n = 0;
            const char *p = e->raw ? g_bytes_get_data(e->raw, &n) : NULL;
            if (p)
                anonymizer_learn_message(a, p, n, pseudonym);
        }
    }
    return a;
}

static void export_anon_case(const anonymizer *a, export_case *ec, const char *pseudonym)
{
    g_free(ec->c->recipient);
    ec->c->recipient = g_strdup(pseudonym);
    export_anon_str(a, &ec->c->client);
    export_anon_str(a, &ec->c->case_id);
    export_anon_list(a, ec->c->duplicates);
    for (guint j = 0; j < ec->timeline->len; j++)
        export_anon_entry(a, g_ptr_array_index(ec->timeline, j));
}

void export_anonymize(export_set *s)
{
    export_anonymize_names(s, NULL);
}

void export_anonymize_names(export_set *s, const char *const *names)
{
    if (s->anonymized)
        return;
    GPtrArray *recipients = export_recipients(s);
    for (guint r = 0; r < recipients->len; r++) {
        const char *rcpt = g_ptr_array_index(recipients, r);
        char *pseudonym = g_strdup_printf("recipient-%u@" ANONYMIZE_DOMAIN, r + 1);
        anonymizer *a = export_anon_for(s, rcpt, pseudonym, names);
        for (guint i = 0; i < s->cases->len; i++) {
            export_case *ec = g_ptr_array_index(s->cases, i);
            if (g_strcmp0(ec->c->recipient, rcpt) == 0)
                export_anon_case(a, ec, pseudonym);
        }
        anonymizer_free(a);
        g_free(pseudonym);
    }
    g_ptr_array_unref(recipients);
    s->anonymized = true;
}
