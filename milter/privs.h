/* privs — drop root to `UserID user[:group]` once sockets and files are
 * open.  Dropping either works completely (supplementary groups, gid, uid,
 * verified by trying to regain root) or the caller exits: the milter never
 * runs as root by accident.  A UserID naming the current user is a no-op. */
#ifndef CT_MILTER_PRIVS_H
#define CT_MILTER_PRIVS_H

#include <stdbool.h>

bool privs_drop(const char *user_id);

#endif
