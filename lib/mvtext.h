/* mvtext — bytes in any declared charset → valid UTF-8, with a ceiling.
 *
 * Provides
 *   mvtext_append()       convert `len` bytes declared as `charset` and append
 *                         them to `out` as valid UTF-8, stopping at `cap`
 *                         bytes of `out`.  utf-8 and us-ascii are validated;
 *                         iso-8859-1 and windows-1252 are decoded by table
 *                         (iso-8859-1 as windows-1252, as browsers do, since
 *                         0x80-0x9f in mail is nearly always 1252); any other
 *                         charset goes through GMime's iconv (aliases
 *                         resolved by g_mime_charset_iconv_name).  A missing,
 *                         ascii or unknown charset is guessed: UTF-8 when the
 *                         bytes mostly are, else windows-1252.
 *   mvtext_append_utf8()  append bytes that should be UTF-8: every invalid
 *                         byte becomes U+FFFD, NUL becomes a space.
 *   mvtext_clip()         cut a GString to at most `cap` bytes on a UTF-8
 *                         character boundary.
 *   mvtext_unix_newlines() CRLF and lone CR → LF, in place.
 *   mvtext_unflow()       undo format=flowed (RFC 3676) in place: a line
 *                         ending in a space continues on the next line of the
 *                         same quote depth; space-stuffing is removed; with
 *                         delsp the space before a soft break goes too.  The
 *                         "-- " signature line is never joined.
 *   mvtext_dup_clean()    a new valid-UTF-8 copy of a C string, clipped.
 *
 * Ownership
 *   `out` belongs to the caller; mvtext_dup_clean() returns a g_malloc'd
 *   string the caller frees.
 *
 * Errors
 *   None.  Invalid input bytes are replaced by U+FFFD, never passed on.
 *   The append functions return true when `cap` cut the text short.
 */
#ifndef CT_MVTEXT_H
#define CT_MVTEXT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

bool mvtext_append(GString *out, const char *in, size_t len,
                   const char *charset, size_t cap);
bool mvtext_append_utf8(GString *out, const char *in, size_t len, size_t cap);
bool mvtext_clip(GString *s, size_t cap);
void mvtext_unix_newlines(GString *s);
void mvtext_unflow(GString *s, bool delsp);
char *mvtext_dup_clean(const char *s, size_t cap, bool *clipped);

#endif
