/* libFuzzer target: arbitrary bytes as a configuration file. */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ct-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        GError *err = NULL;
        ct_config *c = config_load(path, &err);
        config_free(c);
        g_clear_error(&err);
    }
    close(fd);
    unlink(path);
    return 0;
}
