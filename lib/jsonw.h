/* jsonw — append JSON values to a GString (the only JSON writer we need:
 * JSON Lines output of scan, cases and export).
 *
 * Provides jsonw_str() (a quoted, escaped string, or null for NULL),
 * jsonw_key() (a "key": prefix, with a comma before every key but the
 * first of an object), jsonw_str_array().
 *
 * Input strings should be UTF-8; invalid bytes are replaced with U+FFFD so
 * the output is always valid JSON.  Control characters are \u-escaped.
 * Nothing is allocated that the caller must free besides its own GString.
 */
#ifndef CT_JSONW_H
#define CT_JSONW_H

#include <glib.h>
#include <stdbool.h>

void jsonw_str(GString *out, const char *s);
/* *first must start true for each object; it is cleared after the first key. */
void jsonw_key(GString *out, bool *first, const char *key);
void jsonw_str_array(GString *out, GPtrArray *strings);

#endif
