/* routed.h: outpost-routed's state and the functions of its files.
 *
 * One struct routed holds everything the daemon knows: the config (as
 * the model's rt_config and as the loaded conf, for file:line), the
 * interfaces, what it wants in the kernel, every line's health and where
 * its rules point, the objects it has to fight for, and its sockets.
 * The tool modes (--dry-run, --once, --flush) use the same state
 * without the loop. Everything here is the tool layer: it logs. */
#ifndef OUTPOST_ROUTED_H
#define OUTPOST_ROUTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "json.h"
#include "ctl.h"
#include "loop.h"
#include "nl.h"
#include "resolve.h"
#include "rt.h"
#include "rt_health.h"
#include "spool.h"

/* Fights: this many re-adds of one object within the window make it
 * contested; it is then left alone for a backoff that doubles up to
 * the maximum, and tried again after it. */
#define ROUTED_FIGHT_READDS	5
#define ROUTED_FIGHT_WINDOW_MS	10000
#define ROUTED_BACKOFF_MIN_MS	10000
#define ROUTED_BACKOFF_MAX_MS	600000

/* One line's health and where its rules point. */
struct routed_line {
	struct rt_health	*health;	/* NULL: no track, follows the link */
	bool			up;
	bool			link_usable;
	char			why[128];
	double			rtt_ms;		/* <0: none */
	double			loss;
	unsigned		rounds;
	int			to;		/* RT_TO_SELF, RT_TO_BLACKHOLE, a line index */
	/* The link as last seen, to tell a change of it from noise. */
	uint64_t		link_sig;
};

/* An object someone keeps removing or changing. */
struct routed_fight {
	struct rt_obj	obj;
	uint64_t	readds[ROUTED_FIGHT_READDS];	/* ring of re-add times */
	unsigned	nreadds;			/* total re-adds */
	uint64_t	backoff_ms;			/* the current one; 0: never tripped */
	uint64_t	until_ms;			/* left alone until then */
	uint64_t	last_ms;			/* the last re-add */
};

/* The wanted objects, hashed for the monitor's lookups. */
struct routed_index {
	size_t		*bucket;	/* head index + 1 per bucket; 0: empty */
	size_t		*next;		/* chain, per object: index + 1 */
	size_t		nbuckets, cap;
};

struct routed {
	const char		*prog;
	const char		*config_path;
	struct conf		*conf;		/* owned */
	struct rt_config	*cfg;		/* owned */
	struct routed_line	*lines;		/* cfg->nlines of them */
	char			user[64];
	char			control[256];
	char			spool_dir[256];
	bool			daemon;		/* the loop runs */
	bool			dry_run;

	struct loop		*loop;
	struct resolver		*res;
	struct nl_sock		*nl;		/* requests and dumps */
	struct nl_sock		*mon;		/* notifications */
	struct ctl_server	*ctl;
	struct spool		*spool;

	struct rt_links		links;
	struct rt_set		have;		/* ours in the kernel, as last dumped */
	struct rt_set		want;
	struct routed_index	want_idx;
	/* The previous round's want: an add of one of those that was in
	 * place (ok: not refused, not held back) is a re-add. */
	struct rt_set		prev;
	struct routed_index	prev_idx;
	bool			*want_ok, *prev_ok;
	size_t			want_ok_cap, prev_ok_cap;
	struct rt_diff		diff;
	/* Other protocols' objects: a wanted route in the place of one of
	 * theirs is not added (the kernel keys routes without protocol),
	 * and reported once while it lasts. */
	struct rt_set		foreign;
	struct routed_index	foreign_idx;
	struct rt_set		conflicts, conflicts_prev;
	struct routed_index	conflicts_idx;

	/* Reconcile scheduling and its record. drift_seq counts the
	 * notifications that asked for a round: one arriving during a dump
	 * means the dump may have missed objects (a rule dump resumes by
	 * position, so deletions under it skip others). */
	uint64_t		reconcile_timer;
	uint64_t		drift_seq;
	uint64_t		unsettled_since;	/* 0: the last dump was clean */
	char			pending_why[128];
	uint64_t		repairs;
	bool			has_last;
	uint64_t		last_at_ms, last_took_ms;
	size_t			last_changes;
	char			last_why[128];
	size_t			refused;	/* in the last round */

	struct routed_fight	*fights;
	size_t			nfights, cfights;
	/* Their objects, hashed: a flush of thousands is thousands of
	 * re-adds in one round. */
	struct rt_set		fight_set;
	struct routed_index	fight_idx;
	uint64_t		fight_timer;

	/* The files naming tables and the protocol (routed_files.c). */
	int			tables_dirfd, tables_fd;
	int			protos_dirfd, protos_fd;
	char			tables_name[256], protos_name[256];
	char			tables_path[256], protos_path[256];
};

struct cli_daemon;

/* routed_daemon.c */
/* Empty state, with the settings of [node] and [routing] from c's config. */
void routed_init(struct routed *d, const struct cli_daemon *c);
/* Take c's config and build the model of it. 0 or -1 (logged). */
int routed_load(struct routed *d, struct cli_daemon *c);
/* The link checks of the model against d->links, reported (printed in
 * the tool modes, logged by the daemon); the number of errors. */
size_t routed_check_links(struct routed *d, const struct conf *conf, const struct rt_config *cfg);
/* Run as the daemon until SIGTERM/SIGINT; the exit status. */
int routed_daemon_run(struct routed *d, const struct cli_daemon *c, const char *pidfile);
/* Free everything d holds (NULL-safe members). */
void routed_free(struct routed *d);

/* outpost-routed.c */
/* "FILE:LINE: [line "x"]: " of the line named line into buf ("" when
 * line is NULL or not in the config); buf. */
const char *routed_line_where(const struct routed *d, const char *line, char *buf, size_t len);

/* routed_reconcile.c */
/* The line an object belongs to: its own field, or the line with that
 * priority (rules) or table (routes); -1 when none. */
int routed_obj_line(const struct routed *d, const struct rt_obj *o);
/* One round: dump ours, compute the wanted objects and the difference,
 * apply it (or print it with dry_run); why says what started it.
 * Returns the number of changes the kernel refused, or -1 when the
 * round could not run. */
int routed_reconcile(struct routed *d, const char *why);
/* --flush: remove every rule and route of Outpost's protocol, printing
 * how many; the number refused, or -1. */
int routed_flush(struct routed *d);
/* Run a round from the loop as soon as the current batch of events is
 * handled (one round for a burst). */
void routed_schedule(struct routed *d, const char *why);

/* routed_index.c */
/* Rebuild the index over s: 0 or -ENOMEM (then every lookup misses). */
int routed_index_build(struct routed_index *ix, const struct rt_set *s);
/* Add s->v[s->n - 1], just appended, to the index of the rest of s
 * (rebuilding it when it is due to grow). 0 or -ENOMEM. */
int routed_index_push(struct routed_index *ix, const struct rt_set *s);
/* The index in s of the object the same as o (and equal, when equal),
 * or -1. */
long routed_index_find(const struct routed_index *ix, const struct rt_set *s,
		       const struct rt_obj *o, bool equal);
/* Whether o is exactly one of the wanted objects. */
bool routed_wanted(const struct routed *d, const struct rt_obj *o);
void routed_index_free(struct routed_index *ix);

/* routed_fight.c */
/* Note that o is being put back again; true when it is (now or still)
 * contested and must be left alone this round. */
bool routed_fight_readd(struct routed *d, const struct rt_obj *o, uint64_t now);
/* Contested objects, for status: the JSON array members. */
void routed_fights_json(const struct routed *d, struct json *j, uint64_t now);
void routed_fights_free(struct routed *d);

/* routed_monitor.c */
/* Open the notification socket (as root, before dropping privileges). */
int routed_monitor_open(struct routed *d);
/* Serve it on the loop. */
int routed_monitor_start(struct routed *d);
/* Handle every notification queued now (also from inside a round). */
void routed_monitor_drain(struct routed *d);
void routed_monitor_close(struct routed *d);
/* A signature of the link a line uses (index, flags, addresses): a
 * change of it is a change the line's routes follow. */
uint64_t routed_link_sig(const struct rt_link *l);

/* routed_lines.c */
/* Start every line's tracker, or take over the one of the same line in
 * old (its states oldl[0..nold)) when its health settings are the same;
 * NULL, NULL, 0 at start. 0 or -1 (logged). */
int routed_lines_start(struct routed *d, const struct rt_config *old,
		       struct routed_line *oldl, size_t nold);
/* Stop and free the trackers of lines[0..n). */
void routed_lines_free(struct routed_line *lines, size_t n);
/* Recompute where every line's rules point; true when any moved. */
bool routed_lines_pick(struct routed *d);
/* A line's link changed usability (from the monitor). */
void routed_lines_link(struct routed *d, size_t i, bool usable);
/* Where line i's rules point, as status and events name it. */
const char *routed_line_to(const struct routed *d, size_t i);

/* routed_ctl.c */
/* Listen on the control socket, owned by uid:gid (as root). */
int routed_ctl_open(struct routed *d, uid_t uid, gid_t gid);
void routed_ctl_close(struct routed *d);
/* -s [--json]: ask the daemon and print; the exit status. */
int routed_ctl_client(const char *path, bool json);

/* routed_files.c */
void routed_files_init(struct routed *d);
/* Open (creating) the rt-tables and rt-protos files as root. 0 or -1. */
int routed_files_open(struct routed *d);
/* Write both with the current config's tables. 0 or -1. */
int routed_files_write(struct routed *d);
/* Remove the rt-tables file (--flush). 0 or -1. */
int routed_files_remove(struct routed *d);
void routed_files_close(struct routed *d);

#endif
