/* msgview — the normalised view of one message, the only thing rules read.
 *
 * Provides
 *   msgview_new()    parse raw RFC 5322 bytes with GMime and build the view:
 *                    decoded headers, sender addresses and domains, the text
 *                    of every leaf text part as valid UTF-8 (HTML turned into
 *                    text), URLs (plain text and href/src, with link text),
 *                    attachments, PDF text; forwarded message/rfc822 parts
 *                    are walked too, up to a nesting limit.  Thread safe:
 *                    GMime is initialised once, on first use.
 *   msgview_header() first value of a named top-level header (among the
 *                    max_headers kept).
 *   msgview_dump()   a readable print-out of the view (`copytroll scan --dump`);
 *                    control characters from mail are printed as \xNN.
 *   msgview_free()
 *
 * What the view holds (lib/msgview*.c, lib/mvtext, lib/html2text,
 * lib/mvurls, lib/pdftext do the work)
 *   - headers: every top-level header in written order, Content-* ones
 *     included; values unfolded and RFC 2047 decoded, control characters
 *     turned into spaces.  subject ... auth_results are the decoded values
 *     of the first such header (found even past max_headers); message_id,
 *     in_reply_to and references keep their angle brackets as written.
 *   - parts: every leaf text part (text/plain, text/html, ..., and
 *     message/delivery-status and the like), attachments of type text
 *     included, in MIME order.  Charset conversion: utf-8 is validated;
 *     iso-8859-1 is read as windows-1252;
 *     other charsets go through iconv; a missing, ascii or unknown charset
 *     is guessed (UTF-8 when the bytes are, else windows-1252).  Invalid
 *     bytes become U+FFFD, NUL a space, CRLF/CR a LF; format=flowed is
 *     rejoined.  HTML is converted by html2text (hidden text left out).
 *     Each forwarded message/rfc822 adds a part "text/rfc822-headers"
 *     (forwarded=true) holding its From, To, Cc, Date and Subject.
 *   - urls: http(s)://, ftp://, mailto: and www. URLs from hrefs/srcs and
 *     from the text, de-duplicated (scheme and host case-insensitive).
 *   - attachments: non-text leaves, parts with Content-Disposition
 *     attachment (also text ones, which are in parts as well) and attached
 *     message/rfc822 parts.  PDFs (application/pdf or *.pdf) give pdf_text.
 *   - parse_failed: GMime built no message; the raw bytes are then one
 *     text/plain part, so the rules still see the text.
 *   - MV_TRUNC_HEADERS is set for a header value clipped to
 *     max_header_value as well as for headers past max_headers; MV_TRUNC_PDF
 *     when a PDF was too big to open or its text hit max_pdf_text.
 *
 * Ownership
 *   The view owns every string and array inside it; msgview_free() releases
 *   them all.  `raw` is NOT copied: the caller keeps those bytes alive for as
 *   long as the view is used (rules with target `rawbody` read them).
 *
 * Errors
 *   None: mail is never rejected here.  Input GMime cannot parse yields a
 *   view with what could be read; a message over a limit is read up to the
 *   limit and the matching MV_TRUNC_* bit is set in `truncated`.  Nothing
 *   derived from mail is assert()ed.
 */
#ifndef CT_MSGVIEW_H
#define CT_MSGVIEW_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Hard caps on everything filled from mail.  msgview_limits_default()
 * fills sane values; the config's MaxScanBytes overrides max_scan_bytes. */
typedef struct msgview_limits {
    size_t max_scan_bytes;   /* raw bytes parsed at all */
    size_t max_parts;        /* MIME parts visited */
    size_t max_depth;        /* nesting of multiparts / message/rfc822 */
    size_t max_part_text;    /* UTF-8 bytes of text kept per part */
    size_t max_total_text;   /* UTF-8 bytes of text kept in total */
    size_t max_urls;         /* URLs kept */
    size_t max_headers;      /* top-level headers kept */
    size_t max_header_value; /* bytes per decoded header value */
    size_t max_pdf_text;     /* UTF-8 bytes of text taken from PDFs in total */
} msgview_limits;

void msgview_limits_default(msgview_limits *lim);

enum {
    MV_TRUNC_BYTES   = 1u << 0, /* message longer than max_scan_bytes */
    MV_TRUNC_PARTS   = 1u << 1,
    MV_TRUNC_DEPTH   = 1u << 2,
    MV_TRUNC_TEXT    = 1u << 3, /* per-part or total text cap reached */
    MV_TRUNC_URLS    = 1u << 4,
    MV_TRUNC_HEADERS = 1u << 5,
    MV_TRUNC_PDF     = 1u << 6,
};

typedef struct mv_header {
    char *name;   /* as written, e.g. "Subject" */
    char *value;  /* unfolded, RFC 2047 decoded, valid UTF-8 */
} mv_header;

typedef struct mv_part {
    char *content_type;  /* "text/plain", lower case */
    char *charset;       /* declared charset or NULL */
    char *encoding;      /* "base64", "quoted-printable", ... or NULL */
    char *filename;      /* NULL unless the part has one */
    unsigned depth;      /* 0 = top level message */
    bool forwarded;      /* inside a message/rfc822 part */
    bool from_html;      /* text produced from text/html */
    GString *text;       /* decoded UTF-8 text (may be empty) */
} mv_part;

typedef struct mv_url {
    char *url;           /* as found, entities decoded */
    char *host;          /* lower-cased host, NULL if none */
    char *text;          /* link text for href, NULL for plain-text URLs */
} mv_url;

typedef struct mv_attachment {
    char *filename;      /* decoded (RFC 2231), may be NULL */
    char *content_type;  /* lower case */
    size_t size;         /* decoded bytes */
    unsigned depth;
} mv_attachment;

typedef struct mv_address {
    char *addr;          /* local@domain, as written; NULL if none */
    char *name;          /* display name, decoded; NULL if none */
    char *domain;        /* lower-cased domain part; NULL if none */
} mv_address;

typedef struct msgview {
    const char *raw;     /* borrowed, see above */
    size_t raw_len;      /* bytes of raw considered (<= max_scan_bytes) */

    GPtrArray *headers;  /* mv_header*, top-level, in order */
    char *subject, *date, *message_id, *in_reply_to, *references;
    char *auth_results;  /* first Authentication-Results, NULL if none */
    time_t date_time;    /* parsed Date, 0 if missing or unparsable */

    mv_address from, reply_to, return_path, sender;

    GPtrArray *parts;       /* mv_part*, every leaf text part, in order */
    GString *body_text;     /* every part's text joined with "\n" */
    GString *pdf_text;      /* text of PDF attachments, may be empty */
    GPtrArray *urls;        /* mv_url*, de-duplicated, in order */
    GPtrArray *attachments; /* mv_attachment* */

    unsigned truncated;     /* MV_TRUNC_* bits */
    bool parse_failed;      /* GMime returned no message at all */
} msgview;

msgview *msgview_new(const char *raw, size_t len, const msgview_limits *lim);
void msgview_free(msgview *v);

/* First top-level header of that name (case-insensitive), or NULL. */
const char *msgview_header(const msgview *v, const char *name);

void msgview_dump(const msgview *v, FILE *out);

#endif
