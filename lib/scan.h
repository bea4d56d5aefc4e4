/* scan — the one path from raw message bytes to a verdict, shared by the
 * milter and the CLI so that `copytroll scan FILE` reproduces exactly what
 * the milter decided.
 *
 *   scan_message()  view = msgview_new(raw); verdict = rules_eval(view).
 *                   Returns the verdict (caller frees with verdict_free);
 *                   when view_out is not NULL the view is handed over too
 *                   (caller frees with msgview_free), else freed here.
 *   scan_verdict_json()  the JSON Lines object of `copytroll scan --json`
 *                   (DESIGN.md contract), appended to out without newline.
 *
 * The raw bytes are borrowed and must outlive the returned view.
 */
#ifndef CT_SCAN_H
#define CT_SCAN_H

#include "msgview.h"
#include "rules.h"
#include "verdict.h"

verdict *scan_message(const ruleset *rs, const char *raw, size_t len,
                      const msgview_limits *lim, const rules_env *env,
                      msgview **view_out);

void scan_verdict_json(GString *out, const char *file, const verdict *v);

#endif
