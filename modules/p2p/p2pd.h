/* p2pd.h: outpost-p2pd, the region's package distributor: many
 * transfers on one p2p engine context, kept in the data folder so they
 * resume after a restart, driven through the control socket, reporting
 * device events. (owner: region)
 *
 * The data folder (root makes it, the [node] user owns it, 2770):
 *   torrents/HEX.torrent   the metainfo of each transfer
 *   torrents/HEX.state     its record (bencode): when added and done,
 *                          origin and LAN bytes, the URL it came from
 *   content/HEX/           its content (the engine stages inside)
 *   incoming/              where outpost-p2p add drops a .torrent for
 *                          the daemon to take (group-writable) */
#ifndef OUTPOST_P2PD_H
#define OUTPOST_P2PD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "ctl.h"
#include "loop.h"
#include "p2p.h"
#include "resolve.h"
#include "spool.h"

#define P2PD_PATH_MAX	256
#define P2PD_HEX_LEN	40

/* Control requests (one line each) and the folder names above. */
#define P2PD_REQ_ADD_FILE	"add-file"	/* add-file NAME (in incoming/) */
#define P2PD_REQ_ADD_URL	"add-url"	/* add-url URL */
#define P2PD_REQ_LIST		"list"
#define P2PD_REQ_REMOVE		"remove"	/* remove HEX|NAME */
#define P2PD_REQ_STATUS		"status"
#define P2PD_DIR_TORRENTS	"torrents"
#define P2PD_DIR_CONTENT	"content"
#define P2PD_DIR_INCOMING	"incoming"

struct p2pd;

struct p2pd_settings {
	char		id[128], region[64], user[64];
	char		spool[P2PD_PATH_MAX], data_dir[P2PD_PATH_MAX], control[108];
	char		bind[64], ca_file[P2PD_PATH_MAX];
	uint16_t	port;
	bool		lsd, other_regions, shape;
	const char	**trackers;	/* owned */
	size_t		ntrackers;
	uint64_t	seed_time_ms, lease_ms, progress_ms;
	unsigned	max_peers, max_conns;
	uint64_t	up_rate, down_rate;	/* bytes/s, 0: none */
	size_t		max_buffer;
	uint64_t	origin_rate;		/* bytes/s of [region] origin-rate, 0: none */
	struct p2p_prefix *lan;			/* [region] lan */
	size_t		nlan;
	struct p2p_region_opts rg;		/* for every transfer */
};

/* Fill s from conf ([node], [p2p], the [node] region's [region]).
 * 0, or -EINVAL with why set. */
int p2pd_settings_load(struct p2pd_settings *s, const struct conf *conf, char *why,
    size_t whylen);
void p2pd_settings_free(struct p2pd_settings *s);
/* Point s->rg at s's own fields again (after s was copied). */
void p2pd_settings_link(struct p2pd_settings *s);

/* p2pd_reload.c: SIGHUP. Take what can change while running from conf
 * (rates, limits, seed time, lease, trackers, the region's origin-rate
 * and LAN); say which changed keys wait for a restart. 0, or -1 when
 * conf's settings are refused (nothing changes). */
int p2pd_reload(struct p2pd *d, const struct conf *conf);

/* One transfer the daemon keeps. */
struct p2pd_xfer {
	struct p2pd		*d;
	struct p2pd_xfer	*next;
	char			hex[P2PD_HEX_LEN + 1];
	struct p2p_meta		meta;
	struct p2p_xfer		*x;
	char			url[CTL_REQUEST_MAX];	/* where it came from, or "" */
	int64_t			added, done;		/* unix seconds; 0: not done */
	double			seconds;		/* add to done, downloading */
	uint64_t		origin_bytes, lan_bytes;/* over every run */
	uint64_t		base_origin, base_lan;	/* ... before this run */
	uint64_t		last_progress_ms;
	uint64_t		run_start_ms;
	bool			failed, removing;
	char			error[256];
};

/* A .torrent being fetched by URL for add-url. */
struct p2pd_fetch {
	struct p2pd		*d;
	struct p2pd_fetch	*next;
	struct p2p_http_req	*req;
	char			url[CTL_REQUEST_MAX];
};

struct p2pd {
	const char		*prog, *config_path;
	struct p2pd_settings	set;
	struct loop		*loop;
	struct resolver		*res;
	struct p2p_ctx		*ctx;
	struct ctl_server	*ctl;
	struct spool		*spool;
	int			dirfd, torrents_fd, content_fd, incoming_fd;
	struct p2pd_xfer	*xfers;
	struct p2pd_fetch	*fetches;
	uint64_t		tick_timer, started_ms, last_save_ms;
	bool			daemon;		/* logging to syslog */
};

/* p2pd_dir.c: the data folder. */
/* As root: make data_dir (parents 0755, root's), give it to uid:gid
 * 2770, never through a link. 0 or -errno with what naming the path. */
int p2pd_dir_setup(const char *data_dir, uid_t uid, gid_t gid, const char **what);
/* As the user: open the folder and its three subfolders into d. */
int p2pd_dir_open(struct p2pd *d, char *why, size_t whylen);
void p2pd_dir_close(struct p2pd *d);
/* Read a whole small file name in dirfd (no links, a regular file, at
 * most max bytes) into *buf (malloc'd). 0 or -errno. */
int p2pd_read_file(int dirfd, const char *name, size_t max, uint8_t **buf, size_t *len);
/* Write a file atomically (NAME.tmp, rename). fsync only when durable:
 * the .torrent is, the counters of a state record need not be. */
int p2pd_write_file(int dirfd, const char *name, const void *buf, size_t len, bool durable);
/* Remove content/HEX and what is under it (never following links). */
int p2pd_remove_tree(int dirfd, const char *name);

/* p2pd_xfer.c: transfers. */
/* Load every transfer in torrents/ and start it. */
int p2pd_xfers_load(struct p2pd *d);
/* Add a parsed .torrent (buf, len) from url (or NULL); on success
 * *out is the (new or already known) transfer. 0, -EEXIST (known:
 * *out set), or -errno with why. */
int p2pd_xfer_add(struct p2pd *d, const uint8_t *buf, size_t len, const char *url,
    struct p2pd_xfer **out, char *why, size_t whylen);
/* Stop, forget and delete a transfer (its content too). */
void p2pd_xfer_remove(struct p2pd_xfer *t);
struct p2pd_xfer *p2pd_xfer_find(struct p2pd *d, const char *hex_or_name);
void p2pd_xfers_tick(struct p2pd *d);
/* After a reload: run transfers again with the new settings (restart:
 * the engine's options changed; else only its limits), and seed again
 * the finished ones a longer seed-time covers. */
void p2pd_xfers_reload(struct p2pd *d, bool restart);
void p2pd_xfers_free(struct p2pd *d);
/* The transfer as list shows it (one JSON object into j). */
struct json;
void p2pd_xfer_json(const struct p2pd_xfer *t, struct json *j);

/* p2pd_ctl.c: the control socket, server side. */
int p2pd_ctl_open(struct p2pd *d, uid_t uid, gid_t gid);
void p2pd_ctl_close(struct p2pd *d);
void p2pd_fetches_free(struct p2pd *d);

#endif
