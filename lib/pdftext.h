/* pdftext — the text of a PDF attachment, through poppler-glib.
 *
 * Provides
 *   pdftext_extract()  append the text of the PDF in `data` (`len` bytes) to
 *                      `out` as valid UTF-8, page by page, at most `cap`
 *                      bytes of `out` in all.  Poppler is handed nothing
 *                      larger than PDFTEXT_MAX_BYTES and is asked for at most
 *                      PDFTEXT_MAX_PAGES pages: a hostile PDF costs bounded
 *                      time.  Encrypted PDFs are tried with the empty
 *                      password only.
 *   pdftext_looks_like_pdf()  the "%PDF-" signature in the first 1 KiB.
 *
 * Ownership
 *   `data` and `out` are the caller's; poppler does not keep `data` past
 *   the call.  The first call opens one empty document that stays open for
 *   the life of the process, so that poppler keeps its global tables
 *   instead of rebuilding them for every PDF.
 *
 * Errors
 *   Returns false with *err set (domain PDFTEXT_ERROR, or poppler's own)
 *   when the PDF is too big, not a PDF, or poppler cannot open it; `out` is
 *   then unchanged.  *truncated is set when a cap (bytes of text, pages)
 *   cut the text short.  Poppler prints its own complaints about broken
 *   PDFs on stderr; nothing here can silence that.
 */
#ifndef CT_PDFTEXT_H
#define CT_PDFTEXT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define PDFTEXT_MAX_BYTES (8u << 20)
#define PDFTEXT_MAX_PAGES 50

#define PDFTEXT_ERROR (pdftext_error_quark())
GQuark pdftext_error_quark(void);

bool pdftext_looks_like_pdf(const void *data, size_t len);
bool pdftext_extract(const void *data, size_t len, GString *out, size_t cap,
                     bool *truncated, GError **err);

#endif
