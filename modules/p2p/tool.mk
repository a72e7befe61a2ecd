# modules/p2p/ tool fragment (owner: tool): outpost-p2p, its man page,
# its option parser's unit test and its command-line shell test.
P2P_TOOL_SOURCES = \
	modules/p2p/p2p_cli.h \
	modules/p2p/p2p_cli.c \
	modules/p2p/p2p_cli_value.c

bin_PROGRAMS += modules/p2p/outpost-p2p
modules_p2p_outpost_p2p_SOURCES = $(P2P_TOOL_SOURCES) \
	modules/p2p/outpost-p2p.c \
	modules/p2p/p2p_cli_info.c \
	modules/p2p/p2p_cli_create.c \
	modules/p2p/p2p_cli_verify.c \
	modules/p2p/p2p_cli_run.c \
	modules/p2p/p2p_cli_run.h \
	modules/p2p/p2p_cli_ctl.c \
	modules/p2p/p2p_progress.c
modules_p2p_outpost_p2p_CPPFLAGS = $(P2P_CPPFLAGS)
modules_p2p_outpost_p2p_CFLAGS = $(P2P_CFLAGS)
modules_p2p_outpost_p2p_LDADD = $(LIBOPSCHEMA) $(LIBP2P)

dist_man_MANS += man/outpost-p2p.1

# The option parser alone (tests/unit/test-p2p-cli.c).
check_PROGRAMS += tests/unit/test-p2p-cli
TESTS += tests/unit/test-p2p-cli
tests_unit_test_p2p_cli_SOURCES = tests/unit/test-p2p-cli.c tests/tap.h $(P2P_TOOL_SOURCES)
tests_unit_test_p2p_cli_CPPFLAGS = $(P2P_CPPFLAGS)
tests_unit_test_p2p_cli_CFLAGS = $(P2P_CFLAGS)
tests_unit_test_p2p_cli_LDADD = $(LIBOP)

# create, info and verify on local files; refusals and exit statuses.
p2p_tool_tests = tests/p2p/p2p-cli.sh
TESTS += $(p2p_tool_tests)
dist_check_SCRIPTS += $(p2p_tool_tests)
