/* mailbox — read the messages of past mail for `copytroll import`: a file
 * holding one message, an mbox file, or a Maildir directory.
 *
 * Provides
 *   mailbox_each()  calls fn once per message (or per message that could
 *                   not be read) found at path, in file order:
 *     - a directory is a Maildir: the files of cur/ and new/ (tmp/ and
 *       dot files are skipped, sub-folders are not walked), sorted by name,
 *       which in Maildir is delivery order;
 *     - a file whose first bytes are "From " is an mbox, split by GMime's
 *       parser (GMIME_FORMAT_MBOX: every line starting "From " begins a
 *       message; Content-Length is ignored);
 *     - any other file is one message, taken whole.
 *
 * The bytes of an mbox message
 *   From its first header line up to the From_ line of the next message
 *   (or the end of the file), less the one empty line an mbox writer puts
 *   between messages ("\n" or "\r\n" taken off when the message ends with
 *   an empty line).  The From_ line is not part of the message.  A body
 *   line the writer quoted as ">From " stays quoted: whether a ">" was added
 *   (mboxrd, mboxo) cannot be known from the file, so the stored bytes, and
 *   their SHA-256, are those of the mailbox as it is.
 *
 * Ownership
 *   The mailbox_msg and its bytes are borrowed for the duration of the
 *   callback only (an mbox is mapped, not copied).
 *
 * Errors
 *   A path that cannot be opened, or a directory that is not a Maildir:
 *   false with *err ("PATH: why"), fn never called.  A message that cannot
 *   be read (a Maildir file gone, an mbox GMime cannot split further) is
 *   passed to fn with m->error set and raw NULL; reading goes on with the
 *   next file.  fn returning false stops the walk (mailbox_each then
 *   returns true).
 */
#ifndef CT_MAILBOX_H
#define CT_MAILBOX_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef enum mailbox_kind {
    MAILBOX_MESSAGE = 0,   /* one message per file */
    MAILBOX_MBOX,
    MAILBOX_MAILDIR,
} mailbox_kind;

typedef struct mailbox_msg {
    const char *raw;       /* NULL when error is set */
    size_t len;
    const char *source;    /* FILE, MBOX#N (1-based), MAILDIR/cur/NAME */
    time_t mtime;          /* modification time of the file holding it */
    const GError *error;   /* why this message could not be read, or NULL */
} mailbox_msg;

typedef bool (*mailbox_fn)(const mailbox_msg *m, void *data);

bool mailbox_each(const char *path, mailbox_fn fn, void *data, GError **err);

/* What mailbox_each() would take path for (false + *err if unreadable). */
bool mailbox_detect(const char *path, mailbox_kind *kind, GError **err);

#endif
