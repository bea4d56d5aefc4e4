/* mailbox_import — scan and archive the messages of one path. */
#include "mailbox_import.h"

#include "mailbox.h"
#include "scan.h"

static void mailbox_import_say(const mailbox_import *imp, const char *source,
                               const char *recipient, const verdict *v,
                               const casedb_result *res, const GError *error)
{
    if (imp->report)
        imp->report(source, recipient, v, res, error, imp->data);
}

static void mailbox_import_record(mailbox_import *imp, const mailbox_msg *m, const verdict *v,
                                  const msgview *view)
{
    casedb_msg cm = {
        .v = v, .view = view, .raw = m->raw, .raw_len = m->len,
        .env_sender = view ? view->return_path.addr : NULL,
        .received = view && view->date_time > 0 ? view->date_time : m->mtime,
    };
    for (guint i = 0; i < imp->recipients->len; i++) {
        const char *rcpt = g_ptr_array_index(imp->recipients, i);
        casedb_result res;
        GError *err = NULL;
        if (!casedb_record(imp->db, rcpt, &cm, &res, &err)) {
            imp->stats.errors++;
            mailbox_import_say(imp, m->source, rcpt, NULL, NULL, err);
            g_error_free(err);
            continue;
        }
        if (res.already_stored)
            imp->stats.already++;
        else
            imp->stats.stored++;
        mailbox_import_say(imp, m->source, rcpt, v, &res, NULL);
        casedb_result_clear(&res);
    }
}

static bool mailbox_import_one(const mailbox_msg *m, void *data)
{
    mailbox_import *imp = data;
    if (m->error) {
        imp->stats.errors++;
        mailbox_import_say(imp, m->source, NULL, NULL, NULL, m->error);
        return true;
    }
    imp->stats.read++;
    msgview *view = NULL;
    rules_env env = {.trusted_authserv_ids = imp->trusted_authserv_ids};
    verdict *v = scan_message(imp->rs, m->raw, m->len, imp->lim, &env, &view);
    if (v->verdict == CT_VERDICT_CLAIM || v->verdict == CT_VERDICT_SUSPECT) {
        if (v->verdict == CT_VERDICT_CLAIM)
            imp->stats.claims++;
        else
            imp->stats.suspects++;
        mailbox_import_record(imp, m, v, view);
    } else {
        imp->stats.others++;
    }
    verdict_free(v);
    msgview_free(view);
    return true;
}

bool mailbox_import_path(mailbox_import *imp, const char *path, GError **err)
{
    if (mailbox_each(path, mailbox_import_one, imp, err))
        return true;
    imp->stats.errors++;
    return false;
}
