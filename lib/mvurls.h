/* mvurls — the URL list of a message view: collect, normalise, de-duplicate.
 *
 * Provides
 *   mvurls_new()   an index that appends new mv_url entries to `dest` (the
 *                  view's urls array) and keeps at most `max` of them.
 *   mvurls_add()   one URL from an href/src (with its link text, or NULL).
 *                  Kept are http://, https://, ftp://, mailto: and www.
 *                  URLs; cid:, data:, javascript:, relative links and the
 *                  like are ignored.  A URL is kept as found (entities were
 *                  decoded by the caller), cut to MVURLS_MAX_LEN bytes; its
 *                  host is lower-cased into mv_url.host.  Two URLs that
 *                  differ only in the case of scheme or host are the same
 *                  URL; when a repeat brings link text the first lacked,
 *                  the text is added to the first.
 *   mvurls_scan()  find http://, https:// and www. URLs in plain text and
 *                  add them (link text NULL).  Trailing punctuation and an
 *                  unbalanced closing bracket are not part of the URL.
 *   mvurls_host()  the lower-cased host of a URL, or NULL (mailto:, none).
 *   mvurls_truncated()  true once a URL was dropped because `max` was full.
 *   mvurls_url_free()   free one mv_url (for the view's array).
 *
 * Ownership
 *   Entries appended to `dest` belong to `dest` (free with
 *   mvurls_url_free).  The index itself is freed with mvurls_free(), which
 *   leaves `dest` alone.  mvurls_host() returns a g_malloc'd string.
 *
 * Errors
 *   None.
 */
#ifndef CT_MVURLS_H
#define CT_MVURLS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "msgview.h"

#define MVURLS_MAX_LEN 2048

typedef struct mvurls mvurls;

mvurls *mvurls_new(GPtrArray *dest, size_t max);
void mvurls_free(mvurls *u);
void mvurls_add(mvurls *u, const char *url, size_t len, const char *text);
void mvurls_scan(mvurls *u, const char *text, size_t len);
bool mvurls_truncated(const mvurls *u);
char *mvurls_host(const char *url, size_t len);
void mvurls_url_free(gpointer url);

#endif
