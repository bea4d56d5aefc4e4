/* htmlent — HTML character references (&amp; &#228; &#xE4; &auml; ...).
 *
 * Provides
 *   htmlent_decode()  decode the reference that starts at `p` (which points
 *                     at '&').  Numeric references of any code point and
 *                     about 150 common named ones are known; 0x80-0x9f map
 *                     through windows-1252 as browsers do; NUL, surrogates
 *                     and values past U+10FFFF become U+FFFD.  Invisible
 *                     format characters (soft hyphen, zero-width joiners,
 *                     LRM/RLM, BOM, word joiner) decode to nothing, since
 *                     they only serve to break words apart.  &nbsp; decodes
 *                     to a plain space.  In text (`in_attr` false) the
 *                     legacy forms without ';' of amp lt gt quot nbsp copy
 *                     reg are accepted; in attribute values a ';' is
 *                     required, so "?a=1&copy=2" in a URL stays as written.
 *
 * Ownership
 *   The caller provides `out` (at least HTMLENT_MAX bytes).
 *
 * Errors
 *   Returns 0 when `p` does not start a known reference: the caller then
 *   takes the '&' literally.  Otherwise returns the bytes consumed and sets
 *   *out_len (possibly 0) to the UTF-8 bytes written to `out`.
 */
#ifndef CT_HTMLENT_H
#define CT_HTMLENT_H

#include <stdbool.h>
#include <stddef.h>

#define HTMLENT_MAX 8

size_t htmlent_decode(const char *p, const char *end, bool in_attr,
                      char *out, size_t *out_len);

#endif
