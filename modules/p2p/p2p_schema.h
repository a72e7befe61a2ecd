/* p2p_schema.h: the [p2p] section of outpost.conf(5). (owner: region) */
#ifndef OUTPOST_P2P_SCHEMA_H
#define OUTPOST_P2P_SCHEMA_H

#include "conf.h"

extern const struct conf_section_def p2p_conf_section;

#endif
