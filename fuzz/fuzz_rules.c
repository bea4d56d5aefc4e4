/* libFuzzer target: arbitrary bytes as a rule file.  Loading must either
 * succeed or fail with a file:line message — never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ct-fuzz-rules-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        GError *err = NULL;
        ruleset *rs = rules_load_file(path, &err);
        if (rs)
            rules_unref(rs);
        g_clear_error(&err);
    }
    close(fd);
    unlink(path);
    return 0;
}
