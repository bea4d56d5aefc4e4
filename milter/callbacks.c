/* The libmilter callbacks: negotiate, collect the envelope, headers and
 * body, and hand the finished message to eom_handle().  Every step that
 * the MTA agreed not to wait for (SMFIP_NR_*) answers SMFIS_NOREPLY, which
 * saves a round trip per header and body chunk. */
#include <string.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "eom.h"
#include "log.h"
#include "runtime.h"
#include "session.h"

#define WANT_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST)
/* Steps we do not need at all, steps we never answer, and the two
 * protocol features we use. */
#define WANT_PROTO (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | \
                    SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |    \
                    SMFIP_NR_BODY | SMFIP_HDR_LEADSPC | SMFIP_SKIP)
/* The same over TCP: the MTA's commands that get no reply would wait for
 * Nagle on the MTA's side, but the milter acknowledges every read at once
 * (TCP_QUICKACK, see listen.h), so they do not. */

static session *sess(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

/* SMFIS_NOREPLY when the MTA agreed not to wait for this step. */
static sfsistat next(const session *s, unsigned long nr_flag)
{
    return (s && (s->proto & nr_flag)) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    (void)f2;
    (void)f3;
    *pf0 = f0 & WANT_ACTIONS;
    *pf1 = f1 & WANT_PROTO;
    *pf2 = 0;
    *pf3 = 0;
    session_free(sess(ctx));
    smfi_setpriv(ctx, session_new(*pf1));
    if (*pf0 & SMFIF_SETSYMLIST)
        smfi_setsymlist(ctx, SMFIM_EOM, "i");
    return SMFIS_CONTINUE;
}

static char *clean_addr(const char *a)
{
    char *s = g_strdup(a ? a : "");
    g_strstrip(s);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        memmove(s, s + 1, n - 2);
        s[n - 2] = '\0';
    }
    return s;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    session *s = sess(ctx);
    if (!s) {  /* an MTA that skipped negotiation: be safe, do nothing */
        s = session_new(0);
        smfi_setpriv(ctx, s);
    }
    session_reset_message(s);
    session_set(s);
    if (runtime_stopping()) {
        /* After SIGTERM only the messages already in flight are finished;
         * a new one passes untouched (as with the MTA's default_action=
         * accept).  Not SMFIS_ACCEPT: with SMFIP_NR_MAIL the MTA expects
         * no reply here, so the message is walked through to its end. */
        session_reset_message(s);
        s->unscanned = true;
        return next(s, SMFIP_NR_MAIL);
    }
    s->env_sender = clean_addr(argv[0]);
    const char *qid = smfi_getsymval(ctx, "i");
    if (qid)
        s->queue_id = g_strdup(qid);
    return next(s, SMFIP_NR_MAIL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    session *s = sess(ctx);
    if (!s)
        return SMFIS_CONTINUE;
    char *r = clean_addr(argv[0]);
    char *lower = g_utf8_strdown(r, -1);
    g_free(r);
    g_ptr_array_add(s->rcpts, lower);
    return next(s, SMFIP_NR_RCPT);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    session *s = sess(ctx);
    if (!s)
        return SMFIS_CONTINUE;
    if (s->unscanned)
        return next(s, SMFIP_NR_HDR);
    session_add_header(s, name, value ? value : "", session_set(s)->config->max_scan_bytes);
    return next(s, SMFIP_NR_HDR);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
    session *s = sess(ctx);
    if (!s)
        return SMFIS_CONTINUE;
    if (s->unscanned)
        return next(s, SMFIP_NR_EOH);
    session_add_body(s, (const unsigned char *)"\r\n", 2, session_set(s)->config->max_scan_bytes);
    return next(s, SMFIP_NR_EOH);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    session *s = sess(ctx);
    if (!s)
        return SMFIS_CONTINUE;
    if (s->unscanned)
        return (s->proto & SMFIP_SKIP) ? SMFIS_SKIP : next(s, SMFIP_NR_BODY);
    session_add_body(s, chunk, len, session_set(s)->config->max_scan_bytes);
    /* Past the cap nothing more is read; SKIP spares the MTA sending it. */
    if (s->truncated && (s->proto & SMFIP_SKIP))
        return SMFIS_SKIP;
    return next(s, SMFIP_NR_BODY);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
    session *s = sess(ctx);
    if (!s)
        return SMFIS_CONTINUE;
    if (s->unscanned) {
        const char *qid = smfi_getsymval(ctx, "i");
        log_msg(LOG_INFO, "%s: not scanned: shutting down", qid ? qid : "NOQUEUE");
        session_reset_message(s);
        return SMFIS_CONTINUE;
    }
    sfsistat rc = eom_handle(ctx, s);
    session_reset_message(s);
    return rc;
}

/* Registered so that libmilter does not skip DATA on its own, for an MTA
 * that does not offer SMFIP_NODATA (every MTA that does skips it). */
static sfsistat cb_data(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    session *s = sess(ctx);
    if (s)
        session_reset_message(s);
    return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
    session_free(sess(ctx));
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
    .xxfi_name = "copytroll-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_data = cb_data,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};
