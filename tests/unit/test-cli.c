/* test-cli: the shared command line of daemons and ad hoc tools.
 *
 * cli_daemon_init() may exit, so each case runs in a child whose exit
 * status and standard output/error are checked. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "spool.h"
#include "../tap.h"
#include "child.h"

static char tmpdir[] = "/tmp/test-cli.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		bail_out("cannot write %s: %s", path, strerror(errno));
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

	buf[n] = '\0';
	if (fp)
		fclose(fp);
	return buf;
}

/* A daemon's own -n check: refuses [node] id "refuse", counting calls. */
static int hook_calls;

static int hook(const struct conf *conf, void *ctx)
{
	const char *id = conf_get_str(conf_section_get(conf, "node", NULL), "id");

	hook_calls++;
	if (id && strcmp(id, "refuse") == 0) {
		fprintf(stderr, "hook: refused, call %d\n", hook_calls);
		return -1;
	}
	fprintf(stderr, "hook: fine\n");
	return 0;
}

static const struct cli_daemon_opts *daemon_opts;

static int init_child(void *arg)
{
	char **argv = arg;
	struct cli_daemon d;
	int argc = 0;

	while (argv[argc])
		argc++;
	cli_daemon_init(&d, daemon_opts, argc, argv);
	printf("fg=%d verbosity=%d path=%s id=%s\n", d.foreground, d.verbosity,
	       d.config_path, conf_get_str(conf_section_get(d.conf, "node", NULL), "id"));
	cli_daemon_free(&d);
	return 100;
}

/* Run cli_daemon_init() on argv in a child; returns its exit status, or
 * 100 + what the child found when init returned. */
static int run_daemon(char **argv)
{
	return run_child(init_child, argv);
}

int main(void)
{
	static const struct {
		const char *name;
		char *argv[8];
		int status;
		const char *out, *err;
	} cases[] = {
		{ "-h", { "/usr/sbin/outpostd", "-h" }, 0,
		  "usage: outpostd [-dhnqVv] [-f file]\n", "" },
		{ "-V", { "outpostd", "-V" }, 0, PACKAGE_NAME " " PACKAGE_VERSION "\n", "" },
		{ "unknown option", { "outpostd", "-x" }, 2, "",
		  "outpostd: invalid option -- 'x'\nusage: outpostd [-dhnqVv] [-f file]\n" },
		{ "stray argument", { "outpostd", "-f", "good.conf", "extra" }, 2, "",
		  "outpostd: unexpected argument 'extra'\nusage: outpostd [-dhnqVv] [-f file]\n" },
		{ "-n on a good file", { "outpostd", "-n", "-f", "good.conf" }, 0, "", "" },
		{ "-nv on a good file", { "outpostd", "-nv", "-f", "good.conf" }, 0,
		  "[node]\nid = kiosk-7\n", "" },
		{ "-n on a bad file", { "outpostd", "-nf", "bad.conf" }, 1, "",
		  "bad.conf:2: [node] ip: unknown key, did you mean 'id'?\n" },
		{ "bad file without -n", { "outpostd", "-f", "bad.conf" }, 1, "",
		  "bad.conf:2: [node] ip: unknown key, did you mean 'id'?\n" },
		{ "missing file", { "outpostd", "-f", "nope.conf" }, 1, "",
		  "nope.conf: cannot read: No such file or directory\n" },
		{ "run", { "outpostd", "-d", "-vv", "-q", "-f", "good.conf" }, 100,
		  "fg=1 verbosity=1 path=good.conf id=kiosk-7\n", "" },
	};
	struct conf *conf;
	size_t i;
	int r;

	if (!mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		bail_out("cannot set up %s: %s", tmpdir, strerror(errno));
	write_file("good.conf", "[node]\nid = kiosk-7 # a kiosk\n");
	write_file("bad.conf", "[node]\nip = 1\n");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_int(run_daemon((char **)cases[i].argv), cases[i].status, "%s: exit status",
		       cases[i].name);
		is_str(slurp("out"), cases[i].out, "%s: stdout", cases[i].name);
		is_str(slurp("err"), cases[i].err, "%s: stderr", cases[i].name);
	}

	/* The daemon's check runs under -n only, after a clean load. */
	{
		static const struct cli_daemon_opts ho = { .check = hook };
		static const struct {
			const char *name;
			char *argv[5];
			int status;
			const char *out, *err;
		} hc[] = {
			{ "-n: the daemon's check refuses", { "outpostd", "-n", "-f", "refuse.conf" },
			  1, "", "hook: refused, call 1\n" },
			{ "-nv: the check refuses, nothing printed",
			  { "outpostd", "-nv", "-f", "refuse.conf" }, 1, "", "hook: refused, call 1\n" },
			{ "-nv: the check passes, config printed",
			  { "outpostd", "-nv", "-f", "good.conf" }, 0, "[node]\nid = kiosk-7\n",
			  "hook: fine\n" },
			{ "-n: no check after schema errors", { "outpostd", "-n", "-f", "bad.conf" }, 1,
			  "", "bad.conf:2: [node] ip: unknown key, did you mean 'id'?\n" },
			{ "without -n: no check", { "outpostd", "-d", "-f", "refuse.conf" }, 100,
			  "fg=1 verbosity=0 path=refuse.conf id=refuse\n", "" },
		};
		write_file("refuse.conf", "[node]\nid = refuse\n");
		daemon_opts = &ho;
		for (i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
			is_int(run_daemon((char **)hc[i].argv), hc[i].status, "%s: exit status",
			       hc[i].name);
			is_str(slurp("out"), hc[i].out, "%s: stdout", hc[i].name);
			is_str(slurp("err"), hc[i].err, "%s: stderr", hc[i].name);
		}
		daemon_opts = NULL;
	}

	r = cli_tool_config("good.conf", NULL, &conf);
	is_int(r, 0, "tool: --config good.conf loads");
	is_str(conf_get_str(conf_section_get(conf, "node", NULL), "id"), "kiosk-7",
	       "tool: values from the file");
	conf_free(conf);
	fflush(stderr);
	if (!freopen("err", "w", stderr))
		bail_out("freopen");
	r = cli_tool_config("bad.conf", NULL, &conf);
	fflush(stderr);
	is_int(r, -1, "tool: bad file fails");
	ok(conf == NULL, "tool: no config on failure");
	is_str(slurp("err"), "bad.conf:2: [node] ip: unknown key, did you mean 'id'?\n",
	       "tool: diagnostics on stderr");
	if (access(CLI_DEFAULT_CONFIG, F_OK) == 0) {
		skip(2, CLI_DEFAULT_CONFIG " exists here");
	} else {
		r = cli_tool_config(NULL, NULL, &conf);
		is_int(r, 0, "tool: no default file is fine");
		is_str(conf_get_str(conf_section_get(conf, "node", NULL), "user"), "outpost",
		       "tool: no default file gives defaults");
		conf_free(conf);
	}

	/* --publish: [node] spool opens, or the refusal names the folder. */
	{
		struct spool *sp = NULL;
		char text[256];

		snprintf(text, sizeof(text), "[node]\nid = kiosk-7\nspool = %s/spool\n", tmpdir);
		write_file("spool.conf", text);
		if (cli_tool_config("spool.conf", NULL, &conf) < 0)
			bail_out("spool.conf does not load");
		is_int(cli_tool_spool("outpost-x", conf, &sp), 0, "tool spool: opens");
		ok(sp && access("spool/new", F_OK) == 0, "tool spool: the folder is made");
		spool_close(sp);
		conf_free(conf);

		if (symlink("/nonexistent", "linkspool") < 0)
			bail_out("symlink: %s", strerror(errno));
		snprintf(text, sizeof(text), "[node]\nspool = %s/linkspool\n", tmpdir);
		write_file("link.conf", text);
		if (cli_tool_config("link.conf", NULL, &conf) < 0)
			bail_out("link.conf does not load");
		fflush(stderr);
		if (!freopen("err", "w", stderr))
			bail_out("freopen");
		sp = NULL;
		is_int(cli_tool_spool("outpost-x", conf, &sp), -1, "tool spool: a link is refused");
		fflush(stderr);
		snprintf(text, sizeof(text), "outpost-x: spool %s/linkspool: ", tmpdir);
		is_int(strncmp(slurp("err"), text, strlen(text)), 0,
		       "tool spool: the message names the tool and the folder");
		ok(!sp, "tool spool: nothing open on refusal");
		conf_free(conf);
	}

	if (rm_tree(tmpdir) < 0)
		diag("cannot remove %s", tmpdir);
	return done_testing();
}
