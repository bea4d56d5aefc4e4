#include "scan.h"

#include "jsonw.h"

verdict *scan_message(const ruleset *rs, const char *raw, size_t len,
                      const msgview_limits *lim, const rules_env *env,
                      msgview **view_out)
{
    msgview *view = msgview_new(raw, len, lim);
    verdict *v = rules_eval(rs, view, env);
    if (view_out)
        *view_out = view;
    else
        msgview_free(view);
    return v;
}

void scan_verdict_json(GString *out, const char *file, const verdict *v)
{
    bool first = true;
    bool hit = v->verdict != CT_VERDICT_NONE;
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_c(out, '{');
    jsonw_key(out, &first, "file");
    jsonw_str(out, file);
    jsonw_key(out, &first, "verdict");
    jsonw_str(out, verdict_name(v->verdict));
    jsonw_key(out, &first, "score");
    g_string_append(out, g_ascii_formatd(num, sizeof num, "%.1f", v->score));
    jsonw_key(out, &first, "agency");
    jsonw_str(out, hit ? v->agency : NULL);
    jsonw_key(out, &first, "kind");
    jsonw_str(out, hit ? verdict_kind_name(v->kind) : NULL);
    jsonw_key(out, &first, "reason");
    jsonw_str(out, v->reason);
    const struct { const char *key; const char *val; } fields[] = {
        {"case_id", v->case_id}, {"client", v->client}, {"amount", v->amount},
        {"currency", v->currency}, {"deadline", v->deadline}, {"portal_url", v->portal_url},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(fields); i++) {
        jsonw_key(out, &first, fields[i].key);
        jsonw_str(out, fields[i].val);
    }
    jsonw_key(out, &first, "image_urls");
    jsonw_str_array(out, v->image_urls);
    jsonw_key(out, &first, "page_urls");
    jsonw_str_array(out, v->page_urls);
    jsonw_key(out, &first, "rules");
    jsonw_str_array(out, v->rules);
    jsonw_key(out, &first, "truncated");
    g_string_append(out, v->truncated ? "true" : "false");
    if (v->match_limit_hits) {
        jsonw_key(out, &first, "match_limit_hits");
        g_string_append_printf(out, "%u", v->match_limit_hits);
    }
    g_string_append_c(out, '}');
}
