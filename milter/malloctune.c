#include "malloctune.h"

#include <stdlib.h>
#include <unistd.h>

#define TUNABLES "glibc.malloc.tcache_count=128"

void malloctune_restart(char **argv)
{
    if (getenv("GLIBC_TUNABLES"))
        return;   /* set by the administrator, or by our own restart */
    if (setenv("GLIBC_TUNABLES", TUNABLES, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* Not restarted (no /proc, say): carry on as we are, and leave the
     * environment of the programs we may start as it was. */
    unsetenv("GLIBC_TUNABLES");
}
