# modules/shape/ schema fragment: the [region] section of outpost.conf(5)
# (owner: shmodel). Its tables and validators go in
# modules/shape/libshaperegion.a, linked into every tool through
# $(LIBOPSCHEMA): they need only libop. Register it here:
#   noinst_LIBRARIES += modules/shape/libshaperegion.a
#   conf_sections += shape_region_conf_section
#   CONF_SCHEMA_LIBS += modules/shape/libshaperegion.a
