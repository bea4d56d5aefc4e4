/* session — what the milter keeps for one SMTP connection and the message
 * in progress on it: envelope, the message bytes as received (capped at
 * MaxScanBytes), and the positions of headers it may have to change.
 *
 * Ownership: session_new() at negotiation, session_free() at close; the
 * per-message part is reset by session_reset_message() after each message
 * (end of message or abort), so several messages per connection work.
 * A message holds the runtime_set (config + rules) in force when it
 * started, from MAIL FROM until it ends, so a reload never changes the
 * rules under a message in flight.
 */
#ifndef CT_MILTER_SESSION_H
#define CT_MILTER_SESSION_H

#include <glib.h>
#include <stdbool.h>

#include "runtime.h"

typedef struct forged_header {
    char *name;      /* as the MTA sent it */
    int index;       /* 1-based among headers of that name (smfi_chgheader) */
} forged_header;

typedef struct session {
    unsigned long proto;     /* negotiated SMFIP_* flags */

    /* the message in progress */
    runtime_set *set;        /* config and rules for this message; see session_set() */
    bool unscanned;          /* began while stopping: passed on untouched */
    char *queue_id;          /* {i}, once the MTA has it */
    char *env_sender;
    GPtrArray *rcpts;        /* char*, lower-cased, without <> */
    GString *raw;            /* headers + body as received, up to the cap */
    bool truncated;          /* more arrived than MaxScanBytes */
    GHashTable *hdr_counts;  /* lower-case X-Copytroll-* name -> count so far */
    GArray *forged;          /* forged_header: incoming X-Copytroll-* */
    int subject_count;       /* Subject headers seen */
    char *subject;           /* value of the first Subject */
} session;

session *session_new(unsigned long proto);
/* The message's config and rules, taken from the runtime on first use. */
runtime_set *session_set(session *s);
void session_free(session *s);
void session_reset_message(session *s);

/* Append one header "Name:value" as received; remembers the X-Copytroll-*
 * ones (with their index among headers of that name) and the first
 * Subject.  Values from Postfix fold with bare LF: stored with CRLF like
 * the body. */
void session_add_header(session *s, const char *name, const char *value, size_t max);
void session_add_body(session *s, const unsigned char *chunk, size_t len, size_t max);

#endif
