/* sanitize — make values extracted from mail safe to write into the
 * headers the milter adds.
 *
 * Provides
 *   sanitize_token()  for a parameter of X-Copytroll-Status (case=, agency=):
 *                     keeps [A-Za-z0-9._/-], drops everything else
 *                     (spaces, ';', '=', ':', quotes, CR, LF, NUL, 8-bit)
 *   sanitize_text()   for free text in a header (a Subject tag, a URL):
 *                     printable ASCII only, runs of white space and control
 *                     characters folded to one space, trimmed
 *   sanitize_utf8()   for text a person reads in a header (the original
 *                     Subject behind a tag): like sanitize_text() but
 *                     valid UTF-8 characters are kept; invalid bytes and
 *                     C0/C1 controls are dropped; never cuts a character
 * Both cap the result at max bytes and return a new string (g_free), never
 * NULL: an input with nothing left gives "".
 */
#ifndef CT_SANITIZE_H
#define CT_SANITIZE_H

#include <stddef.h>

char *sanitize_token(const char *s, size_t max);
char *sanitize_text(const char *s, size_t max);
char *sanitize_utf8(const char *s, size_t max);

#endif
