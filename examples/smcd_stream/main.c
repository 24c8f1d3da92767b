/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * smcd_stream: an SMC-D style byte stream between two processes over ISM,
 * using lib/ism directly (no DPDK). Each side owns one DMB that the other
 * writes:
 *
 *   receiver's DMB: [producer cursor | pad][data ring .......]
 *   sender's DMB:   [consumer cursor | pad]
 *
 * The sender writes records {len, seq, payload} into the ring (two moves
 * when a record wraps) and then the producer cursor with sf; the receiver
 * polls its own memory, verifies every record byte for byte and returns
 * credit by writing its consumer cursor into the sender's DMB. DMB tokens
 * travel in SIGNAL_IEQ events; the two GIDs are traded over a pipe, the
 * only thing the processes share besides the fabric.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ism.h"
#include "ism_model.h"

#define CTRL_LEN	64		/* cursor area before the ring */
#define REC_HDR		16		/* be32 len, be32 pad, be64 seq */
#define EV_TOKEN	0x4001		/* info = DMB token | DMB length */
#define EV_DONE		0x4002		/* info = messages sent */
#define TIMEOUT_NS	(10ull * 1000000000ull)

struct opts {
	const char *fabric;
	uint64_t messages;
	uint32_t dmb_size;
	uint32_t max_msg;
};

struct result {
	uint64_t messages;
	uint64_t bytes;
	uint64_t errors;
	uint64_t ns;
	uint64_t stalls;	/* sender: waits for credit */
	int rc;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t
msg_len(uint64_t seq, uint32_t max)
{
	return 1 + (uint32_t)((seq * 7919) % max);
}

static uint8_t
msg_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 13 + i * 7 + (i >> 9));
}

static uint32_t
rec_size(uint32_t len)
{
	return (REC_HDR + len + 7) & ~7u;
}

static uint64_t
load_be64(const void *p)
{
	ism_be64_t v;

	v.raw = __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
	return ism_cpu64(v);
}

/* One end of the stream. */
struct side {
	struct ism_dev *dev;
	uint64_t peer;
	struct ism_dmb *own;		/* written by the peer */
	struct ism_rdmb remote;		/* the peer's DMB */
	int have_remote;
	int peer_gone;
	int done;
	uint64_t done_count;
};

static void
on_event(void *arg, const struct ism_event *ev)
{
	struct side *s = arg;

	if (ev->type == ISM_EVENT_GID && ev->tok == s->peer) {
		s->peer_gone = 1;
		return;
	}
	if (ev->type != ISM_EVENT_SWR || ev->tok != s->peer)
		return;
	if (ev->code == EV_TOKEN) {
		s->remote.tok = ev->info & ISM_TOK_MASK;
		s->remote.len = (uint32_t)ev->info;
		s->have_remote = 1;
	} else if (ev->code == EV_DONE) {
		s->done = 1;
		s->done_count = ev->info;
	}
}

/* Register our DMB for the peer, announce it, and learn the peer's. */
static int
side_connect(struct side *s, uint32_t dmb_len)
{
	struct ism_dmb_params p = { .len = dmb_len, .rgid = s->peer };
	uint64_t end = now_ns() + TIMEOUT_NS;
	int rc;

	rc = ism_dmb_register(s->dev, &p, &s->own);
	if (rc < 0)
		return rc;
	rc = ism_signal(s->dev, s->peer, EV_TOKEN, s->own->tok | s->own->len,
			true);
	if (rc < 0)
		return rc;
	while (!s->have_remote && !s->peer_gone && now_ns() < end)
		ism_poll_events(s->dev, on_event, s);
	return s->have_remote ? 0 : -ETIMEDOUT;
}

static int
open_side(struct side *s, const char *fabric)
{
	struct ism_transport *t;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = ism_model_attach(fabric, NULL, &t);
	if (rc == 0)
		rc = ism_dev_open(t, &s->dev);
	if (rc < 0)
		fprintf(stderr, "smcd_stream: cannot open an ISM function on fabric '%s': %s\n",
			fabric, strerror(-rc));
	return rc;
}

/* Move a record of @n bytes at ring position @pos, in two moves if it
 * wraps. */
static int
ring_write(struct side *s, uint32_t ring, uint64_t pos, const uint8_t *rec,
	   uint32_t n)
{
	uint32_t at = (uint32_t)(pos % ring);
	uint32_t first = n < ring - at ? n : ring - at;
	int rc;

	rc = ism_move(s->dev, &s->remote, 0, CTRL_LEN + at, rec, first, false);
	if (rc == 0 && first < n)
		rc = ism_move(s->dev, &s->remote, 0, CTRL_LEN, rec + first,
			      n - first, false);
	return rc;
}

static int
run_sender(struct side *s, const struct opts *o, struct result *res)
{
	uint32_t ring = s->remote.len - CTRL_LEN;
	uint8_t *rec = malloc(rec_size(o->max_msg));
	uint64_t prod = 0, start = now_ns(), last_report = start;
	ism_be64_t cur;
	int rc = 0;

	for (uint64_t seq = 0; seq < o->messages && rc == 0; seq++) {
		uint32_t len = msg_len(seq, o->max_msg), n = rec_size(len);
		ism_be32_t blen = ism_be32(len);
		ism_be64_t bseq = ism_be64(seq);
		uint64_t wait_end = now_ns() + TIMEOUT_NS;
		unsigned int spins = 0;

		/* credit: the receiver's consumer cursor in our own DMB */
		if (prod + n - load_be64(s->own->addr) > ring)
			res->stalls++;
		while (prod + n - load_be64(s->own->addr) > ring) {
			if ((++spins & 1023) == 0) {
				ism_poll_events(s->dev, on_event, s);
				if (s->peer_gone || now_ns() > wait_end) {
					fprintf(stderr, "smcd_stream: sender: receiver %s\n",
						s->peer_gone ? "went away" : "stopped returning credit");
					rc = -EPIPE;
					goto out;
				}
			}
		}
		memcpy(rec, &blen, 4);
		memset(rec + 4, 0, 4);
		memcpy(rec + 8, &bseq, 8);
		for (uint32_t i = 0; i < len; i++)
			rec[REC_HDR + i] = msg_byte(seq, i);
		memset(rec + REC_HDR + len, 0, n - REC_HDR - len);
		rc = ring_write(s, ring, prod, rec, n);
		prod += n;
		cur = ism_be64(prod);
		if (rc == 0)
			rc = ism_move(s->dev, &s->remote, 0, 0, &cur, sizeof(cur), true);
		res->messages++;
		res->bytes += len;
		if (now_ns() - last_report >= 1000000000ull) {
			last_report = now_ns();
			fprintf(stderr, "smcd_stream: sent %" PRIu64 "/%" PRIu64 " messages\n",
				res->messages, o->messages);
		}
	}
	if (rc < 0)
		fprintf(stderr, "smcd_stream: sender: move failed: %s\n", strerror(-rc));
	else
		rc = ism_signal(s->dev, s->peer, EV_DONE, res->messages, true);
out:
	res->ns = now_ns() - start;
	free(rec);
	return rc;
}

/* Copy @n bytes at ring position @pos out of our DMB. */
static void
ring_read(struct side *s, uint32_t ring, uint64_t pos, uint8_t *dst, uint32_t n)
{
	const uint8_t *data = (const uint8_t *)s->own->addr + CTRL_LEN;
	uint32_t at = (uint32_t)(pos % ring);
	uint32_t first = n < ring - at ? n : ring - at;

	memcpy(dst, data + at, first);
	memcpy(dst + first, data, n - first);
}

static int
run_receiver(struct side *s, const struct opts *o, struct result *res)
{
	uint32_t ring = s->own->len - CTRL_LEN;
	uint8_t *rec = malloc(rec_size(o->max_msg));
	uint64_t cons = 0, expect = 0, start = 0, idle_since = now_ns();
	ism_be64_t cur;
	int rc = 0;

	while (rc == 0) {
		uint64_t prod = load_be64(s->own->addr);

		if (prod == cons) {
			if (s->done && res->messages == s->done_count)
				break;
			if (s->peer_gone || now_ns() - idle_since > TIMEOUT_NS) {
				fprintf(stderr, "smcd_stream: receiver: sender %s\n",
					s->peer_gone ? "went away" : "went quiet");
				rc = -EPIPE;
				break;
			}
			ism_poll(s->dev, NULL, on_event, s);
			continue;
		}
		if (start == 0)
			start = now_ns();
		idle_since = now_ns();
		while (cons < prod) {
			ism_be32_t blen;
			ism_be64_t bseq;
			uint32_t len;

			ring_read(s, ring, cons, rec, REC_HDR);
			memcpy(&blen, rec, 4);
			memcpy(&bseq, rec + 8, 8);
			len = ism_cpu32(blen);
			if (len == 0 || len > o->max_msg ||
			    rec_size(len) > prod - cons) {
				fprintf(stderr, "smcd_stream: receiver: bad record length %u at %" PRIu64 "\n",
					len, cons);
				res->errors++;
				rc = -EPROTO;
				break;
			}
			ring_read(s, ring, cons, rec, rec_size(len));
			if (ism_cpu64(bseq) != expect) {
				res->errors++;
			} else {
				for (uint32_t i = 0; i < len; i++) {
					if (rec[REC_HDR + i] != msg_byte(expect, i)) {
						res->errors++;
						break;
					}
				}
			}
			expect = ism_cpu64(bseq) + 1;
			cons += rec_size(len);
			res->messages++;
			res->bytes += len;
		}
		cur = ism_be64(cons);
		if (rc == 0)
			rc = ism_move(s->dev, &s->remote, 0, 0, &cur, sizeof(cur), false);
	}
	res->ns = start != 0 ? now_ns() - start : 0;
	free(rec);
	return rc;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [options]\n"
	       "An SMC-D style stream between two processes over the software ISM\n"
	       "fabric: a sender moves records into the receiver's DMB ring, the\n"
	       "receiver verifies each one byte for byte and returns credit.\n\n"
	       "  -f, --fabric NAME    fabric to use (default: smcd-stream-<pid>,\n"
	       "                       removed at exit)\n"
	       "  -n, --messages N     messages to send (default 200000)\n"
	       "  -s, --dmb-size BYTES receiver DMB size, 4096..1048576 (default 262144)\n"
	       "  -m, --max-msg BYTES  largest message (default 8192)\n"
	       "  -h, --help           this text\n", prog);
}

static int
parse_u64(const char *arg, const char *what, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || *end != '\0' || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "smcd_stream: %s '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n",
			what, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "fabric", required_argument, NULL, 'f' },
		{ "messages", required_argument, NULL, 'n' },
		{ "dmb-size", required_argument, NULL, 's' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "f:n:s:m:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->fabric = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, "--messages", 1, UINT64_MAX / 2, &v) < 0)
				return -1;
			o->messages = v;
			break;
		case 's':
			if (parse_u64(optarg, "--dmb-size", 4096, ISM_DMB_MAX_LEN, &v) < 0)
				return -1;
			o->dmb_size = (uint32_t)v;
			break;
		case 'm':
			if (parse_u64(optarg, "--max-msg", 1, 65536, &v) < 0)
				return -1;
			o->max_msg = (uint32_t)v;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smcd_stream: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (rec_size(o->max_msg) > o->dmb_size - CTRL_LEN) {
		fprintf(stderr, "smcd_stream: --max-msg %u does not fit a %u-byte DMB ring; raise --dmb-size\n",
			o->max_msg, o->dmb_size);
		return -1;
	}
	return 0;
}

/* Child: open, trade GIDs, connect, receive; report through @res_fd. */
static int
receiver_main(const struct opts *o, int gid_in, int gid_out, int res_fd)
{
	struct result res = { 0 };
	struct side s;
	uint64_t gid;

	res.rc = open_side(&s, o->fabric);
	if (res.rc == 0) {
		gid = ism_dev_gid(s.dev);
		if (write(gid_out, &gid, sizeof(gid)) != sizeof(gid) ||
		    read(gid_in, &s.peer, sizeof(s.peer)) != sizeof(s.peer))
			res.rc = -EPIPE;
	}
	if (res.rc == 0)
		res.rc = side_connect(&s, o->dmb_size);
	if (res.rc == 0)
		res.rc = run_receiver(&s, o, &res);
	if (s.dev != NULL)
		ism_dev_close(s.dev);
	return write(res_fd, &res, sizeof(res)) == sizeof(res) && res.rc == 0 &&
		res.errors == 0 ? 0 : 1;
}

static void
print_table(const struct opts *o, const struct result *tx,
	    const struct result *rx)
{
	double secs = rx->ns / 1e9;

	printf("\nsmcd_stream over fabric '%s': %" PRIu64 " messages of 1..%u bytes, DMB %u bytes\n\n",
	       o->fabric, o->messages, o->max_msg, o->dmb_size);
	printf("  %-10s %12s %14s %10s %8s %10s %12s\n", "process", "messages",
	       "bytes", "errors", "seconds", "MB/s", "credit waits");
	printf("  %-10s %12" PRIu64 " %14" PRIu64 " %10s %8.3f %10.1f %12" PRIu64 "\n",
	       "sender", tx->messages, tx->bytes, "-", tx->ns / 1e9,
	       tx->ns ? tx->bytes / (tx->ns / 1e3) : 0.0, tx->stalls);
	printf("  %-10s %12" PRIu64 " %14" PRIu64 " %10" PRIu64 " %8.3f %10.1f %12s\n",
	       "receiver", rx->messages, rx->bytes, rx->errors, secs,
	       rx->ns ? rx->bytes / (rx->ns / 1e3) : 0.0, "-");
	printf("\n  verified: %s\n",
	       rx->errors == 0 && rx->messages == tx->messages &&
	       rx->bytes == tx->bytes ? "every message arrived in order, byte for byte"
				     : "MISMATCH");
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL, 200000, 262144, 8192 };
	struct result tx = { 0 }, rx = { 0 };
	char own_fabric[64];
	int down[2], up[2], res[2], status, rc;
	struct side s;
	pid_t pid;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.fabric == NULL) {
		snprintf(own_fabric, sizeof(own_fabric), "smcd-stream-%d", (int)getpid());
		o.fabric = own_fabric;
	}
	if (pipe(down) < 0 || pipe(up) < 0 || pipe(res) < 0) {
		perror("smcd_stream: pipe");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("smcd_stream: fork");
		return 1;
	}
	if (pid == 0)
		_exit(receiver_main(&o, down[0], up[1], res[1]));

	rc = open_side(&s, o.fabric);
	if (rc == 0) {
		uint64_t gid = ism_dev_gid(s.dev);

		if (read(up[0], &s.peer, sizeof(s.peer)) != sizeof(s.peer) ||
		    write(down[1], &gid, sizeof(gid)) != sizeof(gid))
			rc = -EPIPE;
	}
	if (rc == 0) {
		printf("smcd_stream: sender gid %016" PRIx64 ", receiver gid %016" PRIx64 " (pid %d)\n",
		       ism_dev_gid(s.dev), s.peer, (int)pid);
		rc = side_connect(&s, CTRL_LEN);
	}
	if (rc == 0)
		rc = run_sender(&s, &o, &tx);
	close(down[1]);
	if (read(res[0], &rx, sizeof(rx)) != sizeof(rx))
		rx.rc = -EPIPE;
	waitpid(pid, &status, 0);
	if (s.dev != NULL)
		ism_dev_close(s.dev);
	if (o.fabric == own_fabric)
		ism_model_unlink(o.fabric);
	if (rc < 0 || rx.rc < 0) {
		fprintf(stderr, "smcd_stream: failed: sender %s, receiver %s\n",
			strerror(-rc), strerror(-rx.rc));
		return 1;
	}
	print_table(&o, &tx, &rx);
	return rx.errors == 0 && rx.messages == tx.messages &&
		WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
