/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SMCD_STREAM_H
#define SMCD_STREAM_H

/*
 * smcd_stream: an SMC-D style byte stream over ISM, using lib/ism
 * directly (no DPDK). Each side owns one DMB that the other writes:
 *
 *   receiver's DMB: [producer cursor | pad][data ring .......]
 *   sender's DMB:   [consumer cursor | pad]
 *
 * The sender writes records {len, seq, payload} into the ring (two moves
 * when a record wraps) and then the producer cursor with sf; the receiver
 * polls its own memory, verifies every record byte for byte and returns
 * credit by writing its consumer cursor into the sender's DMB. DMB tokens,
 * the end of the stream and the receiver's verdict travel in SIGNAL_IEQ
 * events.
 *
 * The stream (stream.c) does not know how its function was opened:
 * transport.c opens it on the software model or through the vfio
 * transport (a function bound to ism_vfio_pci), and main.c runs the two
 * sides as two forked processes or, with --role, one side per process
 * (e.g. on two LPARs).
 */

#include <stdbool.h>
#include <stdint.h>

#include "ism.h"
#include "ism_vfio.h"

#define PROG		"smcd_stream"
#define CTRL_LEN	64		/* cursor area before the ring */
#define REC_HDR		16		/* be32 len, be32 pad, be64 seq */
#define EV_TOKEN	0x4001		/* info = DMB token | DMB length */
#define EV_DONE		0x4002		/* info = messages sent */
#define EV_RESULT	0x4003		/* info = messages that arrived intact */
#define NS_PER_S	UINT64_C(1000000000)
#define TIMEOUT_NS	(10 * NS_PER_S)	/* a stalled stream, a missing verdict */
#define RETRY_NS	(100 * UINT64_C(1000000))	/* re-announce our DMB token */

enum role { ROLE_BOTH = 0, ROLE_SEND, ROLE_RECV };

/* Where a side's function comes from: the model or a vfio function. */
struct endpoint {
	const char *fabric;		/* model fabric, or NULL */
	const char *dev;		/* PCI address, or NULL */
	enum ism_vfio_path path;
	bool hugepages;			/* vfio: DMA memory in hugepages */
};

struct opts {
	const char *fabric;
	const char *dev[2];		/* sender's, receiver's (or the one of --role) */
	int ndev;
	enum ism_vfio_path path;
	bool hugepages;
	enum role role;
	uint64_t peer;			/* --peer; 0: any */
	bool peer_set;
	uint64_t wait_ns;		/* for the peer's DMB token */
	uint64_t messages;
	uint32_t dmb_size;
	uint32_t max_msg;
};

struct result {
	uint64_t messages;
	uint64_t bytes;
	uint64_t errors;
	uint64_t ns;
	uint64_t stalls;		/* sender: waits for credit */
	uint64_t confirmed;		/* sender: the receiver's verdict */
	int rc;
};

/* One end of the stream. */
struct side {
	struct ism_dev *dev;
	uint64_t peer;			/* 0 until known (--peer any) */
	struct ism_dmb *own;		/* written by the peer */
	struct ism_rdmb remote;		/* the peer's DMB */
	bool have_remote;
	bool peer_gone;
	bool done;			/* receiver: EV_DONE arrived */
	uint64_t done_count;
	bool have_result;		/* sender: EV_RESULT arrived */
	uint64_t result;
};

/* transport.c: open @s's function; 0 or a negative errno (reported). */
int side_open(struct side *s, const struct endpoint *ep);
void side_close(struct side *s);
/* "fabric 'x'" or "function ADDR", for messages. */
const char *endpoint_name(const struct endpoint *ep, char *buf, size_t len);

/* stream.c */
int side_connect(struct side *s, uint32_t dmb_len, uint64_t wait_ns);
int run_sender(struct side *s, const struct opts *o, struct result *res);
int run_receiver(struct side *s, const struct opts *o, struct result *res);
uint32_t rec_size(uint32_t len);
uint64_t now_ns(void);

/* args.c: 0, or the exit status for a bad command line / --help */
int parse_args(int argc, char **argv, struct opts *o);

/* report.c */
void print_table(const struct opts *o, const char *what,
		 const struct result *tx, const struct result *rx);
bool stream_ok(const struct result *tx, const struct result *rx);

#endif /* SMCD_STREAM_H */
