/* msgview_internal — what the files behind msgview.h share; not for
 * other modules.
 *
 *   msgview_walk()      fill parts, urls, attachments and pdf_text from the
 *                       MIME tree below `root` (msgview_walk.c).
 *   msgview_walk_raw()  when GMime built no message at all: the raw bytes as
 *                       one text/plain part, so the rules still see the text.
 *   msgview_clean_value()  a header value or name as valid UTF-8 with control
 *                       characters turned into spaces, clipped to `cap`
 *                       bytes; sets *clipped when cut.  NULL for NULL.
 *   msgview_parser_options()  the shared, read-only GMime parser options
 *                       (g_mime_init() has run once they exist).
 *   msgview_base64_count()  the base64 alphabet characters (A-Z a-z 0-9 + /)
 *                       among the `len` bytes at `buf` before the first '=';
 *                       sets *padded to whether there is an '=' (the
 *                       decoded size of an attachment, msgview_walk.c).
 *   msgview_plain_value()  a raw header value unfolded (CR and LF dropped),
 *                       control characters as spaces, clipped to `cap`
 *                       bytes (sets *clipped when cut) and stripped; NULL
 *                       when a byte >= 0x80 or "=?" comes before the cap,
 *                       for GMime to decode (msgview.c).
 */
#ifndef CT_MSGVIEW_INTERNAL_H
#define CT_MSGVIEW_INTERNAL_H

#include <gmime/gmime.h>

#include "msgview.h"

void msgview_walk(msgview *v, GMimeObject *root, const msgview_limits *lim);
void msgview_walk_raw(msgview *v, const msgview_limits *lim);
char *msgview_clean_value(const char *s, size_t cap, bool *clipped);
GMimeParserOptions *msgview_parser_options(void);
size_t msgview_base64_count(const char *buf, size_t len, bool *padded);
char *msgview_plain_value(const char *raw, size_t cap, bool *clipped);

#endif
