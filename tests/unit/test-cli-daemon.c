/* test-cli-daemon: cli_daemon_main(), the skeleton of every daemon's
 * main(), with a fake daemon whose steps write down when they run; and
 * the reload and user helpers beside it.
 *
 * Each run is a child (cli_daemon_main() may exit); its trace, standard
 * output and error are files in a temporary folder. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "loop.h"
#include "../tap.h"
#include "child.h"

static char tmpdir[] = "/tmp/test-cli-daemon.XXXXXX";

struct fake {
	const char *fail;	/* the step that returns -1 */
	FILE *trace;
	int reloads;
	bool refuse_check;
};

static void step(struct fake *f, const char *what)
{
	fprintf(f->trace, "%s ", what);
	fflush(f->trace);
}

static int f_check(const struct conf *conf, void *ctx)
{
	struct fake *f = ctx;

	(void)conf;
	if (f->refuse_check) {
		fprintf(stderr, "fake: refused\n");
		return -1;
	}
	return 0;
}

static int f_setup(void *ctx, const struct cli_daemon *c)
{
	struct fake *f = ctx;

	step(f, c->loop && c->conf ? "setup" : "setup-without-loop");
	return f->fail && !strcmp(f->fail, "setup") ? -1 : 0;
}

static int f_enter(void *ctx, const struct cli_daemon *c)
{
	struct fake *f = ctx;
	char buf[32] = "";
	FILE *fp;

	/* Detached (here: -d) and the pidfile written before enter. */
	if (c->pidfile && (fp = fopen(c->pidfile, "r"))) {
		if (fgets(buf, sizeof(buf), fp) && atol(buf) == (long)getpid())
			step(f, "pidfile-ours");
		fclose(fp);
	}
	step(f, "enter");
	return f->fail && !strcmp(f->fail, "enter") ? -1 : 0;
}

static int f_ready(void *ctx)
{
	struct fake *f = ctx;

	step(f, "ready");
	if (f->fail && !strcmp(f->fail, "ready"))
		return -1;
	/* Both stay pending until the loop reads them, in this order. */
	raise(SIGHUP);
	raise(SIGTERM);
	return 0;
}

static void f_reload(void *ctx)
{
	struct fake *f = ctx;

	f->reloads++;
	step(f, "reload");
}

static void f_stop(void *ctx, struct loop *l)
{
	step(ctx, "stop");
	loop_stop(l);
}

static void f_stopped(void *ctx)
{
	step(ctx, "stopped");
}

static void f_teardown(void *ctx)
{
	step(ctx, "teardown");
}

struct main_args {
	struct cli_daemon_def *def;
	struct fake *f;
	char **argv;
};

static int main_child(void *arg)
{
	struct main_args *m = arg;
	int argc = 0;

	while (m->argv[argc])
		argc++;
	if (!(m->f->trace = fopen("trace", "w")))
		return 98;
	return cli_daemon_main(m->def, m->f, argc, m->argv);
}

/* Run the fake daemon on argv in a child; returns its exit status. */
static int run(struct cli_daemon_def *def, struct fake *f, char **argv)
{
	struct main_args m = { def, f, argv };

	return run_child(main_child, &m);
}

static char *slurp(const char *path)
{
	static char buf[4][4096];
	static int i;
	FILE *fp = fopen(path, "r");
	size_t n;

	i = (i + 1) % 4;
	n = fp ? fread(buf[i], 1, sizeof(buf[i]) - 1, fp) : 0;
	buf[i][n] = '\0';
	if (fp)
		fclose(fp);
	return buf[i];
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		bail_out("cannot write %s: %s", path, strerror(errno));
}

static void test_main(void)
{
	struct cli_daemon_def def = {
		.pidfile = "default.pid",
		.check = f_check, .setup = f_setup, .enter = f_enter, .ready = f_ready,
		.reload = f_reload, .stop = f_stop, .stopped = f_stopped,
		.teardown = f_teardown,
	};
	char *fg[] = { "/usr/sbin/faked", "-d", "-f", "good.conf", "-p", "run.pid", NULL };
	char *fg_nop[] = { "faked", "-d", "-f", "good.conf", NULL };
	struct fake f = { 0 };
	struct stat st;

	is_int(run(&def, &f, fg), 0, "a whole run: exit 0");
	is_str(slurp("trace"), "setup pidfile-ours enter ready reload stop stopped teardown ",
	    "setup, pidfile, enter, ready, SIGHUP to reload, SIGTERM to stop, stopped, teardown");
	is_str(slurp("err"), "faked: Terminated: stopping\n", "the stop is logged");
	ok(stat("run.pid", &st) < 0 && errno == ENOENT, "the -p pidfile is removed at the end");

	is_int(run(&def, &f, fg_nop), 0, "in the foreground without -p: exit 0");
	is_str(slurp("trace"), "setup enter ready reload stop stopped teardown ",
	    "no pidfile in the foreground unless -p");
	ok(stat("default.pid", &st) < 0, "the default pidfile is not written with -d");

	def.stop = NULL;
	def.stop_note = "; left in place";
	is_int(run(&def, &f, fg_nop), 0, "no stop step: the loop is stopped all the same");
	is_str(slurp("err"), "faked: Terminated: stopping; left in place\n",
	    "the daemon's note follows 'stopping'");
	def.stop = f_stop;
	def.stop_note = NULL;

	f.fail = "setup";
	is_int(run(&def, &f, fg), 1, "setup fails: exit 1");
	is_str(slurp("trace"), "setup teardown ", "... nothing after it but the teardown");
	f.fail = "enter";
	is_int(run(&def, &f, fg), 1, "enter fails: exit 1");
	is_str(slurp("trace"), "setup pidfile-ours enter teardown ", "... teardown follows");
	ok(stat("run.pid", &st) < 0, "... and the pidfile is removed");
	f.fail = "ready";
	is_int(run(&def, &f, fg), 1, "ready fails: exit 1, the loop never runs");
	is_str(slurp("trace"), "setup pidfile-ours enter ready teardown ", "... teardown follows");
	f.fail = NULL;

	{
		char *h[] = { "faked", "-h", NULL };
		char *n[] = { "faked", "-n", "-f", "good.conf", NULL };
		char *x[] = { "faked", "-p", NULL };

		is_int(run(&def, &f, h), 0, "-h: exit 0");
		is_str(slurp("out"), "usage: faked [-dhnqVv] [-f file] [-p pidfile]\n",
		    "-h: the synopsis with -p");
		is_int(run(&def, &f, n), 0, "-n: the check passes, exit 0");
		is_str(slurp("trace"), "", "-n: no step runs");
		f.refuse_check = true;
		is_int(run(&def, &f, n), 1, "-n: the daemon's check gets its ctx and refuses: 1");
		is_str(slurp("err"), "fake: refused\n", "-n: the check's words");
		f.refuse_check = false;
		is_int(run(&def, &f, x), 2, "-p without a value: usage error, 2");
	}
}

static void test_reload_conf(void)
{
	struct conf *conf = (struct conf *)1;
	int fd, saved = dup(STDERR_FILENO);

	log_init("t", 1, LOG_NOTICE);
	fd = open("log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, STDERR_FILENO);
	ok(cli_daemon_reload_conf("bad.conf", NULL, &conf) == -1 && conf == NULL,
	    "reload of a bad file: -1, no conf");
	ok(cli_daemon_reload_conf("good.conf", NULL, &conf) == 0 && conf != NULL,
	    "reload of a good file: 0 and the conf");
	conf_free(conf);
	dup2(saved, STDERR_FILENO);
	close(fd);
	close(saved);
	is_str(slurp("log"), "t: error: reload: bad.conf has errors; keeping the running "
	    "configuration\nt: error: bad.conf:2: [node] ip: unknown key, did you mean 'id'?\n",
	    "the refusal and each diagnostic are logged");
}

static void test_check_user(void)
{
	struct conf *conf = NULL;
	int fd, saved, r;

	if (conf_load("user.conf", NULL, &conf) < 0)
		bail_out("user.conf does not load");
	fd = open("uerr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	r = cli_check_user(conf, "nosuchuser-outpost-test");
	dup2(saved, STDERR_FILENO);
	close(fd);
	close(saved);
	if (geteuid() == 0) {
		is_int(r, -1, "-n as root: a missing user is refused");
		is_str(slurp("uerr"), "user.conf:3: [node] user: cannot look up "
		    "'nosuchuser-outpost-test': no such user\n", "... naming the file and line");
		is_int(cli_check_user(conf, "root"), 0, "an existing user passes");
	} else {
		is_int(r, 0, "-n not as root: the user is not looked up");
		skip(2, "not root");
	}
	conf_free(conf);
}

int main(void)
{
	if (!mkdtemp(tmpdir) || chdir(tmpdir) < 0)
		bail_out("cannot set up %s: %s", tmpdir, strerror(errno));
	write_file("good.conf", "[node]\nid = kiosk-7\n");
	write_file("bad.conf", "[node]\nip = 1\n");
	write_file("user.conf", "[node]\nid = kiosk-7\nuser = nosuchuser-outpost-test\n");
	test_main();
	test_reload_conf();
	test_check_user();
	rm_tree(tmpdir);
	return done_testing();
}
