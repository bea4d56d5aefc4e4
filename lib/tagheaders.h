/* tagheaders — the values of the headers the milter adds (DESIGN.md,
 * "Headers added by the milter"), built from a verdict.  Pure functions so
 * the CLI, the tests and the milter agree on one spelling.
 *
 *   tag_status_value()     "claim; agency=copytrack; kind=reminder; case=1234567; score=14.5"
 *                          "suspect; agency=copytrack; reason=sender-not-agency; score=9.0"
 *                          "none; score=0.0"
 *   tag_duplicate_value()  "case=<other id>"
 *   tag_subject()          the Subject with the configured tag in front
 *                          (unchanged when it already starts with the tag)
 *
 * Every extracted value passes through sanitize.h first: the results hold
 * no CR, LF, NUL or 8-bit byte.  Results are new strings (g_free).
 */
#ifndef CT_TAGHEADERS_H
#define CT_TAGHEADERS_H

#include "verdict.h"

char *tag_status_value(const verdict *v);
char *tag_duplicate_value(const char *other_case_id);
char *tag_subject(const char *subject, const char *tag);

#endif
