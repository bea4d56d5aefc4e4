/* libFuzzer target: raw bytes → message view → verdict with the shipped
 * rules, the same path the milter runs on every message.  Build and run
 * with `make fuzz` (clang); `make check-asan` runs it briefly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scan.h"

static ruleset *rules;
static msgview_limits limits;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("CT_RULES_DIR");
    GError *err = NULL;
    rules = rules_load_dir(dir ? dir : "conf/rules.d", &err);
    if (!rules) {
        fprintf(stderr, "fuzz_scan: %s\n", err->message);
        abort();
    }
    msgview_limits_default(&limits);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    verdict *v = scan_message(rules, (const char *)data, size, &limits, NULL, NULL);
    verdict_free(v);
    return 0;
}
