/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_PERF_H
#define ISM_PERF_H

/*
 * ism-perf, the parts both builds share: the command line, the modes that
 * need only lib/ism (store, memcpy, the lib-level pingpong), the ISM
 * functions they run on (model or vfio), and the table and JSON. The DPDK
 * build (main.c) adds EAL and the ethdev modes; the DPDK-free build
 * (main_lib.c) is this alone, as on IBM Z where DPDK does not run.
 */

#include <stdbool.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>

#include "ism.h"
#include "ism_vfio.h"

#define PERF_PROG	"ism-perf"
#define PERF_MAX_SIZES	16
#define PERF_MIX	0	/* size 0 stands for the 64/576/1500 mix */
#define PERF_MAX_FNS	2

/* How a round trip's receiver learns that a message arrived. */
enum perf_notify {
	PERF_NOTIFY_POLL = 0,	/* spin on the doorbell word in its DMB */
	PERF_NOTIFY_SIGNAL,	/* sf on the doorbell store: SBA bit + MSI */
};

struct perf_opts {
	const char *mode;
	uint32_t sizes[PERF_MAX_SIZES];
	int nb_sizes;
	double seconds;
	/* a fixed amount of work per size instead of --seconds (0: timed),
	 * for instruction counters: frames (stream) or moves (store, memcpy) */
	uint64_t count;
	/* where the ISM functions come from: a model fabric, or PCI
	 * addresses of functions bound to ism_vfio_pci */
	const char *fabric;
	bool fabric_given;		/* named on the command line */
	const char *dev[PERF_MAX_FNS];
	int ndev;
	enum ism_vfio_path path;
	/* the other function in another process or LPAR */
	uint64_t peer;			/* 0 with --peer any */
	bool peer_set;
	bool serve;			/* be the peer of a measuring ism-perf */
	double wait;			/* seconds to wait for the peer */
	enum perf_notify notify;
	/* ethdev modes (DPDK build) */
	uint16_t tx_port;
	uint16_t rx_port;
	uint16_t burst;
	const char *json;
	bool quiet;
};

/* What a mode needs besides its options. */
#define PERF_USES_FNS	0x1	/* ISM functions: --fabric/--dev/--peer */
#define PERF_USES_PORTS	0x2	/* two started ethdev ports */
#define PERF_TAKES_COUNT	0x4	/* --count: fixed work, no clock */

/* What kind of figures a row holds (the table's columns). */
enum perf_kind {
	PERF_KIND_STORE = 0,	/* stores into a DMB */
	PERF_KIND_COPY,		/* memcpy */
	PERF_KIND_STREAM,	/* ethdev packets */
	PERF_KIND_RTT,		/* round trips */
};

/* One line of the result table / one object in the JSON. */
struct perf_row {
	char what[32];
	uint32_t size;
	double seconds;
	double ops;		/* stores/s, copies/s, packets/s, round trips/s */
	double gbytes;		/* GB/s (1e9 bytes) */
	double gbits;		/* Gbit/s */
	uint64_t count;		/* stores, copies, packets, round trips */
	uint64_t moves;		/* store: ism_move() calls */
	double us_per_store;	/* store */
	bool have_pwrites;	/* vfio: counted by the transport */
	uint64_t pwrites;	/* the measuring function's pwrite calls */
	double pwrites_per_s;
	uint64_t lost;		/* stream: sequence gaps; round trips: timeouts */
	uint64_t bad;		/* frames or echoes damaged / out of order */
	double p50_us, p99_us, p999_us, max_us;	/* round trips */
};

/* One ISM function a run used, as the report shows it. */
struct perf_fn_desc {
	char role[16];		/* writer, owner, pinger, echoer */
	char where[64];		/* "model fabric 'x'" or the PCI address */
	bool vfio;
	uint64_t gid;
	uint32_t store_limit;	/* bytes per store lib/ism uses */
	const char *store_src;	/* "imaxstbl", "fallback" or "model" */
	char store_why[96];	/* how the limit was found */
};

struct perf_report {
	const char *mode;
	enum perf_kind kind;
	const char *title;
	struct perf_fn_desc fns[PERF_MAX_FNS];
	int nb_fns;
	uint64_t peer;		/* a peer in another process, 0: none */
	/* not a figure of ISM hardware: the model, or the ism_vfio_pci
	 * emulation (emulation says which and how that was told) */
	bool emulated;
	const char *emulated_by;	/* "model", "vfio-emulation" or NULL */
	char emulation[192];
	enum perf_notify notify;
	bool checked;		/* data verification ran */
	bool verified;		/* ... and found everything in place */
	char check[160];	/* what was verified, or what was wrong */
	struct perf_row rows[PERF_MAX_SIZES];
	int nb_rows;
};

struct perf_mode {
	const char *name;
	int (*run)(const struct perf_opts *o, struct perf_report *r);
	unsigned int uses;	/* PERF_USES_* */
	const char *sizes;	/* the default --sizes */
	const char *help;	/* lines for --help, 19 columns indented */
};

/* One build of ism-perf: its modes and what it adds to the command line. */
struct perf_build {
	const char *version;	/* "DPDK 22.11.1"; NULL: the DPDK-free build */
	const char *synopsis;	/* "[EAL options] -- [options]" */
	const char *example;	/* printed after the options */
	const struct perf_mode *modes;
	int nb_modes;
	bool ports;		/* --tx-port, --rx-port, --burst */
};

/* perf_cli.c */
double perf_now(void);
uint64_t perf_ns(void);
/* Print "  ... <text>" on stderr, once a second on long runs. */
void perf_progress(const struct perf_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void perf_usage(FILE *f, const char *prog, const struct perf_build *b);
/* 0, 1 after --help, -1 on a bad command line (said on stderr). */
int perf_parse_args(int argc, char **argv, const struct perf_build *b,
		    struct perf_opts *o, const struct perf_mode **mode);
/* Run @m and print its table (and JSON); the exit status. */
int perf_run(const struct perf_build *b, const struct perf_mode *m,
	     struct perf_opts *o);

/* perf_fn.c: the ISM functions of a run */
struct perf_fn {
	struct ism_dev *dev;
	struct perf_fn_desc desc;
};
/* Open function @which (0: ours, 1: the local peer) of the run. @irq:
 * wire the MSI. Says what is wrong on stderr. */
int perf_fn_open(const struct perf_opts *o, int which, const char *role,
		 bool irq, struct perf_fn *f);
void perf_fn_close(struct perf_fn *f);
/* The function's pwrite count (vfio); false on the model. */
bool perf_fn_pwrites(const struct perf_fn *f, uint64_t *n);
/* Fill the report's emulation fields for the functions of @o. */
void perf_fn_emulation(const struct perf_opts *o, struct perf_report *r);
/*
 * The system call table of the vfio transport: NULL (libc) in ism-perf,
 * the in-process ism_vfio_pci emulation in the test build (perf_sys.c or
 * a test's replacement of it).
 */
const struct ism_vfio_sys *perf_vfio_sys(void);

/* perf_peer.c: a peer in another process (--peer, --serve) */
struct perf_link {
	struct perf_fn *fn;
	uint64_t peer;			/* 0 until known (--peer any) */
	struct ism_dmb *own;		/* written by the peer */
	struct ism_rdmb remote;		/* the peer's DMB */
	bool have_remote;
	bool peer_gone;
	int mode_id;			/* PERF_LINK_* the peer asked for */
	enum perf_notify notify;	/* ... and how it notifies */
	bool hello;			/* a HELLO arrived (server) */
	bool done;			/* DONE arrived (server) */
	uint64_t done_info;
	bool have_result;		/* RESULT arrived (measurer) */
	uint64_t result;
};
#define PERF_LINK_STORE		0
#define PERF_LINK_PINGPONG	1
/* Measuring side: own a DMB of @own_len for the peer, announce it with
 * the mode, wait for the peer's DMB. */
int perf_link_connect(struct perf_link *l, const struct perf_opts *o,
		      int mode_id, uint32_t own_len);
/* Tell the peer we are done (@info: what it should check), wait for its
 * verdict: 0 and *bad (the count it found wrong), or a negative errno. */
int perf_link_finish(struct perf_link *l, uint64_t info, uint64_t *bad);
/* Poll events (peer gone, DONE); false once the peer is gone. */
bool perf_link_alive(struct perf_link *l);
void perf_link_close(struct perf_link *l);
/* --serve: be the peer of one measuring ism-perf run; exit status. */
int perf_serve(const struct perf_opts *o);

/* perf_store.c */
int perf_store(const struct perf_opts *o, struct perf_report *r);
int perf_memcpy(const struct perf_opts *o, struct perf_report *r);
/* The byte at offset @i of the store loop's source (and so of its DMB). */
uint8_t perf_pattern(uint32_t i);
/* Store: bytes of the target DMB from 0 that differ from the pattern. */
uint64_t perf_store_check(const uint8_t *dmb, uint32_t len);

/* perf_roundtrip.c: the lib-level pingpong */
int perf_roundtrip(const struct perf_opts *o, struct perf_report *r);
/* Echo round trips on @l until the measuring side is done; the count of
 * damaged messages. */
uint64_t perf_echo(struct ism_dev *dev, struct ism_dmb *own,
		   const struct ism_rdmb *remote, enum perf_notify notify,
		   struct perf_link *l, volatile bool *stop, uint64_t *echoed);
/* The DMB length a pingpong of @max_size bytes needs. */
uint32_t perf_rtt_dmb_len(uint32_t max_size);

/* A pingpong row of @size bytes: @n round trips (@v, in ns, sorted here)
 * and @lost ones, measured since @t0 (perf_now()): rate and percentiles. */
void perf_rtt_row(struct perf_row *row, uint32_t size, double t0,
		  uint64_t *v, uint64_t n, uint64_t lost);

/* perf_report.c */
void perf_print_table(const struct perf_build *b, const struct perf_report *r);
int perf_write_json(const char *path, const struct perf_build *b,
		    const struct perf_report *r);

/* DPDK build: the ethdev modes (perf_stream.c, perf_pingpong.c) */
int perf_stream(const struct perf_opts *o, struct perf_report *r);
int perf_pingpong(const struct perf_opts *o, struct perf_report *r);

#endif /* ISM_PERF_H */
