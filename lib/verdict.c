#include "verdict.h"

#include <string.h>

verdict *verdict_new(void)
{
    verdict *v = g_new0(verdict, 1);
    v->image_urls = g_ptr_array_new_with_free_func(g_free);
    v->page_urls = g_ptr_array_new_with_free_func(g_free);
    v->rules = g_ptr_array_new_with_free_func(g_free);
    return v;
}

void verdict_free(verdict *v)
{
    if (!v)
        return;
    g_free(v->agency);
    g_free(v->reason);
    g_free(v->case_id);
    g_free(v->client);
    g_free(v->amount);
    g_free(v->currency);
    g_free(v->deadline);
    g_free(v->portal_url);
    g_ptr_array_unref(v->image_urls);
    g_ptr_array_unref(v->page_urls);
    g_ptr_array_unref(v->rules);
    g_free(v);
}

const char *verdict_name(ct_verdict v)
{
    switch (v) {
    case CT_VERDICT_CLAIM: return "claim";
    case CT_VERDICT_SUSPECT: return "suspect";
    case CT_VERDICT_NONE: break;
    }
    return "none";
}

static const char *const kind_names[] = {
    [CT_KIND_NONE] = NULL,
    [CT_KIND_OTHER] = "other",
    [CT_KIND_FIRST_NOTICE] = "first_notice",
    [CT_KIND_REMINDER] = "reminder",
    [CT_KIND_ESCALATION] = "escalation",
    [CT_KIND_CLOSED] = "closed",
    [CT_KIND_PAID] = "paid",
};

const char *verdict_kind_name(ct_kind k)
{
    if ((unsigned)k >= G_N_ELEMENTS(kind_names))
        return NULL;
    return kind_names[k];
}

bool verdict_kind_parse(const char *name, ct_kind *out)
{
    for (unsigned k = CT_KIND_OTHER; k < G_N_ELEMENTS(kind_names); k++) {
        if (strcmp(kind_names[k], name) == 0) {
            *out = (ct_kind)k;
            return true;
        }
    }
    return false;
}
