/* eom — end of message: classify the collected message, remove forged
 * X-Copytroll-* headers, add ours, record the claim for every recipient
 * (or spool it when the database cannot be written), and log one line.
 * Returns the milter answer: SMFIS_CONTINUE, or the OnError action when
 * the filter itself failed. */
#ifndef CT_MILTER_EOM_H
#define CT_MILTER_EOM_H

#include <libmilter/mfapi.h>

#include "session.h"

sfsistat eom_handle(SMFICTX *ctx, session *s);

#endif
