# modules/shape/ tool fragment (owner: shtool): shape_apply (the whole
# apply/clear with rollback, appended to libshape.a), outpost-shape, its
# man page, the systemd oneshot unit and the SysV script.
modules_shape_libshape_a_SOURCES += modules/shape/shape_apply.c modules/shape/shape_apply_int.h \
	modules/shape/shape_rollback.c modules/shape/shape_read.c modules/shape/shape_lock.c

sbin_PROGRAMS += modules/shape/outpost-shape
modules_shape_outpost_shape_SOURCES = \
	modules/shape/shape_cli.h \
	modules/shape/outpost-shape.c \
	modules/shape/shape_check.c \
	modules/shape/shape_show.c \
	modules/shape/shape_show_json.c
modules_shape_outpost_shape_CPPFLAGS = $(SHAPE_CPPFLAGS)
modules_shape_outpost_shape_CFLAGS = $(SHAPE_CFLAGS)
modules_shape_outpost_shape_LDADD = $(LIBOPSCHEMA) $(LIBSHAPE)

dist_man_MANS += man/outpost-shape.8

# Service files, filled in at make time (service_edit: contrib/local.mk).
shapeunitdir = $(systemdsystemunitdir)
shapeunit_DATA = contrib/outpost-shape.service
shapeinitdir = $(initddir)
shapeinit_SCRIPTS = contrib/init.d/outpost-shape
EXTRA_DIST += contrib/outpost-shape.service.in contrib/outpost-shape.init.in
CLEANFILES += contrib/outpost-shape.service contrib/init.d/outpost-shape

contrib/outpost-shape.service: contrib/outpost-shape.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(service_edit) $(srcdir)/contrib/outpost-shape.service.in >$@.tmp && mv $@.tmp $@
contrib/init.d/outpost-shape: contrib/outpost-shape.init.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/init.d && \
	$(service_edit) $(srcdir)/contrib/outpost-shape.init.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# outpost-shape's command line in the shaping world (tests/shape/shape-lib.sh).
shape_tool_tests = tests/shape/shape-cli.sh tests/shape/shape-once.sh tests/shape/shape-noline.sh
TESTS += $(shape_tool_tests)
dist_check_SCRIPTS += $(shape_tool_tests)

# The plan apply rolls back to, from devices as read (pure).
check_PROGRAMS += tests/unit/test-shape-rollback
TESTS += tests/unit/test-shape-rollback
tests_unit_test_shape_rollback_SOURCES = tests/unit/test-shape-rollback.c tests/tap.h
tests_unit_test_shape_rollback_CPPFLAGS = $(SHAPE_CPPFLAGS)
tests_unit_test_shape_rollback_CFLAGS = $(SHAPE_CFLAGS)
tests_unit_test_shape_rollback_LDADD = $(LIBSHAPE)
