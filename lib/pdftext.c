#include "pdftext.h"

#include <poppler.h>
#include <string.h>

#include "mvtext.h"

G_DEFINE_QUARK(pdftext-error-quark, pdftext_error)

bool pdftext_looks_like_pdf(const void *data, size_t len)
{
    return data && memmem(data, MIN(len, 1024), "%PDF-", 5) != NULL;
}

static void append_page(PopplerDocument *doc, int i, GString *out, size_t cap,
                        bool *truncated)
{
    PopplerPage *page = poppler_document_get_page(doc, i);
    if (!page)
        return;
    char *text = poppler_page_get_text(page);
    if (text) {
        if (out->len && out->str[out->len - 1] != '\n')
            g_string_append_c(out, '\n');
        if (mvtext_append_utf8(out, text, strlen(text), cap))
            *truncated = true;
        g_free(text);
    }
    g_object_unref(page);
}

/* Poppler builds its global tables (encodings, font lists: a walk of its
 * data directories) when a document opens while no other is open, and
 * drops them when the last one closes: for one PDF at a time, on every
 * PDF.  One empty document, opened once and kept for the life of the
 * process, keeps them built. */
static gpointer open_keeper(gpointer unused)
{
    (void)unused;
    GString *pdf = g_string_new("%PDF-1.4\n");
    size_t obj1 = pdf->len;
    g_string_append(pdf, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    size_t obj2 = pdf->len;
    g_string_append(pdf, "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    size_t xref = pdf->len;
    g_string_append_printf(pdf, "xref\n0 3\n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 n \n"
                                "trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
                           obj1, obj2, xref);
    GBytes *bytes = g_string_free_to_bytes(pdf);
    PopplerDocument *keeper = poppler_document_new_from_bytes(bytes, NULL, NULL);
    g_bytes_unref(bytes);
    return keeper;   /* never freed; NULL if poppler would not open it */
}

static void keep_poppler_ready(void)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, open_keeper, NULL);
}

bool pdftext_extract(const void *data, size_t len, GString *out, size_t cap,
                     bool *truncated, GError **err)
{
    if (len > PDFTEXT_MAX_BYTES) {
        g_set_error(err, PDFTEXT_ERROR, 1, "PDF of %zu bytes is over the %u byte limit",
                    len, PDFTEXT_MAX_BYTES);
        return false;
    }
    if (!pdftext_looks_like_pdf(data, len)) {
        g_set_error(err, PDFTEXT_ERROR, 2, "no %%PDF- signature");
        return false;
    }
    keep_poppler_ready();
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, err);
    if (!doc) {
        g_bytes_unref(bytes);
        return false;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > PDFTEXT_MAX_PAGES) {
        *truncated = true;
        pages = PDFTEXT_MAX_PAGES;
    }
    for (int i = 0; i < pages; i++) {
        if (out->len >= cap) {
            *truncated = true;
            break;
        }
        append_page(doc, i, out, cap, truncated);
    }
    mvtext_unix_newlines(out);
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return true;
}
