/* html2text — readable text from the HTML of a mail, in one linear pass.
 *
 * Provides
 *   html2text()  append the visible text of `html` (UTF-8, `len` bytes) to
 *                `out`, at most `cap` bytes of `out` in all, and report
 *                every link through `link`:
 *                  - block elements (p div br li tr h1-h6 table ...) become
 *                    line breaks, p / h1-h6 / table a blank line; td and th
 *                    a space; other white space collapses to one space, but
 *                    <pre> keeps its own;
 *                  - character references are decoded (see htmlent.h);
 *                  - script, style, title, head, iframe and comments are
 *                    dropped, and so is everything inside an element that is
 *                    hidden (the `hidden` attribute, or a style with
 *                    display:none, visibility:hidden or mso-hide:all, or the
 *                    "preheader" trick max-height:0 + overflow:hidden);
 *                  - <a href> / <area href> call link(url, text) with the
 *                    visible link text (NULL when there is none); <img src>
 *                    calls link(url, alt).  URLs are entity-decoded with
 *                    tabs and line breaks removed; scheme filtering is left
 *                    to the caller.  Hidden links are not reported.
 *                    A link whose text is its own address without the
 *                    scheme ("example.org/page") shows the whole URL in
 *                    the text.
 *                Malformed HTML is read the way a lenient browser would: an
 *                unclosed comment, script or tag ends the text; implicitly
 *                closed elements (p, li, td ...) close.  Nothing recurses, so
 *                nesting depth costs nothing.
 *   html2text_sniff_charset()  the charset named by a <meta> in the first
 *                2 KiB (charset=... in either meta form), or NULL.
 *
 * Ownership
 *   `out` is the caller's.  Strings passed to `link` live only for the call.
 *   html2text_sniff_charset() returns a g_malloc'd string.
 *
 * Errors
 *   None.  html2text() returns true when `cap` cut the text short.
 */
#ifndef CT_HTML2TEXT_H
#define CT_HTML2TEXT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*html2text_link_fn)(const char *url, const char *text, void *ud);

bool html2text(const char *html, size_t len, GString *out, size_t cap,
               html2text_link_fn link, void *ud);

char *html2text_sniff_charset(const char *html, size_t len);

#endif
