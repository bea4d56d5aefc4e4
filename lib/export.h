/* export — the case database written out for people and other programs:
 * csv, json, mbox, html, ics (one writer per file: export_csv.c, ...).
 *
 * Provides
 *   export_set_load()      the cases matching a filter (and, optionally, a
 *                          CASE key) with their timelines, read from an open
 *                          database; with_raw also loads the raw messages
 *   export_match_cases()   the cases a user's CASE argument names: the
 *                          agency's case id (ASCII case-insensitive) or the
 *                          internal numeric id ("12" or "#12")
 *   export_anonymize()     export_anon.c: replace the recipients'
 *                          addresses, domains and names everywhere in the
 *                          set (raw messages included; see anonymize.h);
 *                          recipients become recipient-N@anonymized.invalid
 *   export_csv()           RFC 4180, one row per case, CRLF, a header row;
 *                          a cell starting with = + - @ TAB or CR gets a
 *                          leading apostrophe (spreadsheet formula injection)
 *   export_json()          a JSON array, one object per case (the fields of
 *                          `copytroll cases --json` plus its timeline);
 *                          export_json_case() one such object
 *   export_mbox()          mboxrd: every raw message byte for byte, lines
 *                          matching ^>*From  quoted with one more '>'
 *   export_html()          one self-contained page for one recipient
 *   export_ics()           RFC 5545 calendar, one VEVENT per deadline a case
 *                          stated
 *   export_recipients()    the distinct recipients of a set, in order
 *   export_file_name()     a name safe to use as one path component
 *   export_time()          a time as ISO 8601 UTC text
 *
 * Every writer appends to a GString and is deterministic: the same set
 * gives the same bytes (the ics DTSTAMP is the time the message stating the
 * deadline was received).  Values from mail are escaped for each format;
 * nothing from mail can end a CSV cell, a JSON string, an HTML element or
 * an ics property early.
 *
 * Ownership
 *   export_set_free() frees a set with its cases and timelines.  Strings
 *   returned are the caller's (g_free); export_match_cases() returns an
 *   array that borrows the cases.
 *
 * Errors
 *   export_set_load() returns NULL and sets *err (CASEDB_ERROR) when the
 *   database cannot be read.  export_mbox() skips a message whose raw bytes
 *   were not loaded and counts it in its return value.
 */
#ifndef CT_EXPORT_H
#define CT_EXPORT_H

#include <glib.h>
#include <stdbool.h>

#include "casedb.h"

typedef struct export_case {
    casedb_case *c;          /* owned */
    GPtrArray *timeline;     /* casedb_entry*, oldest first, owned */
} export_case;

typedef struct export_set {
    GPtrArray *cases;        /* export_case*, by recipient then first_seen */
    bool anonymized;
} export_set;

GPtrArray *export_match_cases(GPtrArray *cases, const char *key);

/* case_key NULL: every case of the filter.  A key matching several cases
 * loads them all (callers that need one case check with
 * export_match_cases() first). */
export_set *export_set_load(casedb *db, const casedb_filter *f, const char *case_key,
                            bool with_raw, GError **err);
void export_set_free(export_set *s);
/* The raw messages must be loaded (with_raw) to learn names from To/Cc. */
void export_anonymize(export_set *s);
/* The same, also removing names (NULL-terminated; each name and each of its
 * words, as anonymizer_add_name()) from every recipient's cases. */
void export_anonymize_names(export_set *s, const char *const *names);

void export_csv(GString *out, const export_set *s);
void export_json(GString *out, const export_set *s);
/* One case as one JSON object (no newline). */
void export_json_case(GString *out, const export_case *ec);
unsigned export_mbox(GString *out, const export_set *s);
/* Only the cases of recipient (as stored in the set). */
void export_html(GString *out, const export_set *s, const char *recipient, time_t now);
void export_ics(GString *out, const export_set *s);

GPtrArray *export_recipients(const export_set *s);   /* char*, owned */
char *export_file_name(const char *s);
char *export_time(time_t t, bool date_only);

#endif
