/* anonymize — remove a recipient's identity (addresses, domains, names)
 * from text and from raw messages, for exports shared with others.
 *
 * Provides
 *   anonymizer_new()          an empty set of things to remove
 *   anonymizer_add_address()  an address of the recipient: the address is
 *                             replaced by the pseudonym given, its domain
 *                             (and every sub-domain of it) by
 *                             ANONYMIZE_DOMAIN; large public mail providers'
 *                             domains (gmail.com, ...) are left alone; a
 *                             local part in several pieces ("n.okafor",
 *                             "jane_doe") gives names too (each piece of 3+
 *                             letters, not a generic word), as greetings
 *                             use them where no header has a display name
 *   anonymizer_add_name()     a display name of the recipient: the whole
 *                             name and each of its words (3+ letters, not a
 *                             generic word like "Site", "Team", "Sir") become
 *                             ANONYMIZE_NAME
 *   anonymizer_learn_message() the To, Cc, Delivered-To and X-Original-To
 *                             fields of a raw message: every address and
 *                             display name found there is added, except
 *                             addresses in the domain of the message's From
 *                             (an agency that copies itself stays visible)
 *   anonymizer_apply()        a copy of a text with everything replaced
 *   anonymizer_apply_message() a raw message anonymized as MIME: headers
 *                             compared decoded (RFC 2047), text parts
 *                             decoded (base64, quoted-printable, any
 *                             charset), cleaned and re-encoded; every other
 *                             leaf part (image, PDF, archive) replaced by a
 *                             text part naming its type, size and SHA-256;
 *                             then a byte-level pass over the result.  Not
 *                             MIME (GMime cannot parse it): the byte pass only
 *
 * Matching is ASCII-case-insensitive and respects boundaries: an address
 * or a name only where the characters around it cannot be part of it, a
 * domain only as a whole label sequence ("example.org" matches in
 * "www.example.org" but not in "myexample.org" or "example.org.net").
 * Longer terms win over shorter ones.  Agency domains are never added, so
 * the agency's own URLs stay as they were.  anonymizer_apply() sees bytes
 * only: text inside base64, quoted-printable or encoded-words is seen by
 * anonymizer_apply_message() alone.
 *
 * Ownership
 *   anonymizer_free() frees the set; apply() returns a GString the caller
 *   frees.  Added strings are copied.
 *
 * Errors
 *   None: empty or unusable input adds nothing.
 */
#ifndef CT_ANONYMIZE_H
#define CT_ANONYMIZE_H

#include <glib.h>
#include <stddef.h>

#define ANONYMIZE_DOMAIN "anonymized.invalid"
#define ANONYMIZE_NAME "Recipient"

typedef struct anonymizer anonymizer;

anonymizer *anonymizer_new(void);
void anonymizer_free(anonymizer *a);
/* pseudonym: what the whole address becomes ("recipient-1@anonymized.invalid"). */
void anonymizer_add_address(anonymizer *a, const char *addr, const char *pseudonym);
void anonymizer_add_name(anonymizer *a, const char *name);
/* Addresses found there get pseudonym (see anonymizer_add_address). */
void anonymizer_learn_message(anonymizer *a, const char *raw, size_t len, const char *pseudonym);
GString *anonymizer_apply(const anonymizer *a, const char *text, size_t len);
/* The result no longer hashes to the original's SHA-256. */
GString *anonymizer_apply_message(const anonymizer *a, const char *raw, size_t len);
/* NUL-terminated convenience: NULL stays NULL; returns a new string (g_free). */
char *anonymizer_apply_str(const anonymizer *a, const char *text);

#endif
