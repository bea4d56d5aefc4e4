/* normalize — turn the text a rule captured into the contract's forms.
 *
 * Provides
 *   norm_amount()    "389,59 €", "EUR 1.234,56", "$1,250.00", "USD 1,250",
 *                    "£450", "CHF 1'200.–" → "389.59" and an ISO 4217 code
 *   norm_currency()  "€", "Euro", "US$", "£", "GBP" … → ISO 4217 code
 *   norm_deadline()  "May 7, 2024", "7 May 2024", "07.05.2024", "7. Mai 2024",
 *                    "2024-05-07", "within 14 days", "innerhalb von 14 Tagen"
 *                    → "2024-05-07" (relative ones count from `base`)
 *                    "inden 14 dage", "binnen 14 dagen", "sous 14 jours"
 *   norm_date_offset()   the zone of a Date header in seconds east of UTC:
 *                    add it to the header's time_t so that "within N days"
 *                    counts from the sender's calendar day, not UTC's
 *   norm_cents_format()  cents → "1234.56"
 *   norm_text()      trim, fold white space, cap length (names, ids)
 *   norm_client()    norm_text() without trailing punctuation, except the
 *                    full stop of "Inc.", "Ltd.", "Co.", "S.A." ...
 *
 * Ownership: every returned string is newly allocated (g_free); NULL means
 * "could not make sense of it" and is never an error for the caller.
 */
#ifndef CT_NORMALIZE_H
#define CT_NORMALIZE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Returns false when no number is found.  *currency is set (new string) when
 * the text names one, else left alone. */
bool norm_amount(const char *text, int64_t *cents, char **currency);
char *norm_currency(const char *text);
char *norm_deadline(const char *text, time_t base);
char *norm_cents_format(int64_t cents);
char *norm_text(const char *text, size_t max_chars);
char *norm_client(const char *text, size_t max_chars);
/* 0 when the header is NULL or names no numeric zone. */
long norm_date_offset(const char *date_header);

#endif
