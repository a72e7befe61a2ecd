/* mqtt_schema.h: the [mqtt] section of outpost.conf(5) and the values
 * derived from it that its validator and outpost-pubd must agree on. */
#ifndef OUTPOST_MQTT_SCHEMA_H
#define OUTPOST_MQTT_SCHEMA_H

#include "conf.h"

/* [mqtt]: keys, the checks across them, listed in conf_sections. */
extern const struct conf_section_def mqtt_conf_section;

/* The topic prefix events go under: [mqtt] topic-prefix, or
 * outpost/REGION/ID from [node], without trailing slashes. Returns 0 with
 * a new *prefix, -ENOENT when [node] id is unknown, or -ENOMEM. */
int mqtt_conf_prefix(const struct conf *conf, char **prefix);

#endif
