#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

bool privs_drop(const char *user_id)
{
    char *user = g_strdup(user_id);
    char *group = strchr(user, ':');
    if (group)
        *group++ = '\0';
    bool ok = false;
    struct passwd *pw = getpwnam(user);
    struct group *gr = group ? getgrnam(group) : NULL;
    if (!pw)
        log_msg(LOG_ERR, "UserID %s: no such user", user);
    else if (group && !gr)
        log_msg(LOG_ERR, "UserID %s: no such group %s", user_id, group);
    else if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        ok = true;  /* already that user */
    else {
        gid_t gid = gr ? gr->gr_gid : pw->pw_gid;
        if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0)
            log_msg(LOG_ERR, "cannot drop privileges to %s: %s", user_id, strerror(errno));
        else if (pw->pw_uid != 0 && setuid(0) == 0)
            log_msg(LOG_ERR, "cannot drop privileges to %s: root could be regained", user_id);
        else
            ok = true;
    }
    g_free(user);
    return ok;
}
