/* callbacks — the libmilter callback table (smfi_register() takes it). */
#ifndef CT_MILTER_CALLBACKS_H
#define CT_MILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

extern struct smfiDesc callbacks_desc;

#endif
