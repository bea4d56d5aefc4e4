/* spool — claims the milter could not write to the case database (locked
 * past the timeout, disk full, read-only file) wait as files in SpoolDir
 * until `copytroll import --spool` or the next start brings them in.
 *
 * One file per message, written to a temporary name and renamed, so a
 * reader never sees half a file.  Format: a small header block of
 * "Key: value" lines (Recipient: may repeat; Queue-Id, Env-Sender,
 * Received as Unix time), an empty line, then the raw message bytes.
 * File names are made here (time, pid, counter), never from mail data.
 *
 *   spool_write()  false + *err on failure (the caller logs it; the mail
 *                  still passes).
 *   spool_read()   parse one spool file; the entry owns its strings and
 *                  bytes (spool_entry_free()).
 */
#ifndef CT_SPOOL_H
#define CT_SPOOL_H

#include <glib.h>
#include <stdbool.h>
#include <time.h>

typedef struct spool_entry {
    GPtrArray *recipients;  /* char* */
    char *queue_id, *env_sender;
    time_t received;
    GBytes *raw;
} spool_entry;

bool spool_write(const char *dir, const spool_entry *e, GError **err);
spool_entry *spool_read(const char *path, GError **err);
void spool_entry_free(spool_entry *e);

#endif
