/* status — a thread that writes the milter's counters to the status file
 * (StatusFile, see config_status_path()) every few seconds and once more
 * at exit, for `copytroll stats`.  Each write is atomic (temporary file +
 * rename).  A write that fails is logged once (and again after it worked
 * in between); the milter goes on without it. */
#ifndef CT_MILTER_STATUS_H
#define CT_MILTER_STATUS_H

/* Start writing to path (copied). */
void status_start(const char *path);
/* Stop the thread, write the final counters, remove nothing. */
void status_stop(void);

#endif
