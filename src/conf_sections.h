/* conf_sections.h: the section tables each subsystem contributes to the
 * Outpost schema (src/conf_schema.c lists them in canonical order). */
#ifndef OUTPOST_CONF_SECTIONS_H
#define OUTPOST_CONF_SECTIONS_H

#include "conf.h"

/* [mqtt]: modules/mqtt/mqtt_schema.c */
extern const struct conf_section_def mqtt_conf_section;

#endif
