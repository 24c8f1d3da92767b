/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_ETHDEV_H
#define ISM_ETHDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <pthread.h>

#include "ism.h"
#include "ism_ring.h"
#include "ism_ctrl_proto.h"
#include "ism_rx_zc.h"

extern int ism_logtype;
#define ISM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ism_logtype, "net_ism: " fmt "\n", \
		##__VA_ARGS__)
#define PORT_LOG(p, level, fmt, ...) \
	ISM_LOG(level, "%s: " fmt, (p)->name, ##__VA_ARGS__)

#define ISM_MAX_QUEUES		16
#define ISM_MAX_FRAME		(ISM_MAX_MTU + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
#define ISM_MAX_MTU		9000
/* a frame of MTU bytes of payload: Ethernet header and CRC room */
#define ISM_FRAME_OVERHEAD	(RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
#define ISM_DEFAULT_DMB_SIZE	(1u << 20)	/* see doc/guides/nics/ism.rst */
#define ISM_MIN_DMB_SIZE	(16u << 10)
#define ISM_HB_INTERVAL_MS	100
/* zero_copy= when not given: frames over the largest of MTU 1500, which
 * are copied, so that a standard MTU brings none of zero-copy's
 * obligations (a frame the peer can rewrite, no IOVA for a DMA device);
 * doc/guides/nics/ism.rst, "When it pays", says what a lower one gains */
#define ISM_DEFAULT_ZC_MIN	2048
#define ISM_DEFAULT_HB_TIMEOUT_MS	1000
#define ISM_CTRL_PERIOD_US	10000
#define ISM_HELLO_PERIOD_MS	100
#define ISM_TX_MAX_RECS		128	/* records (and WRAPs) per burst */
/* pieces of a span's store: two per record, and a frame's segments */
#define ISM_TX_MAX_IOV		768
/* TX copies frames this long or shorter into its staging area: a run of
 * them is one piece of the store instead of three per frame */
#define ISM_TX_STAGE_FRAME	256
/* a record's header, padding and staged frame, times the records */
#define ISM_TX_STAGE		(ISM_TX_MAX_RECS * (8 + 8 + ISM_TX_STAGE_FRAME))

struct ism_port;

/* What a queue pair runs on; the control thread swaps it whole. */
struct ism_qconf {
	struct ism_rdmb peer;		/* peer's RX DMB q; tok 0 = link down */
	uint8_t *local;			/* our RX DMB q; NULL = none */
	uint32_t local_ring;		/* its ring size */
	uint32_t epoch;			/* a new one restarts the ring cursors */
	struct ism_zc_dmb *zc;		/* zero-copy state of @local; NULL = copy */
};

/*
 * How the control thread hands a new configuration to a queue without
 * locking the data path: it fills @next and bumps @gen; the lcore running
 * the queue takes it at its next burst (@seen). Nothing a configuration
 * points to is freed while the port runs: DMBs are rebound, not replaced.
 */
struct ism_qctl {
	uint32_t gen;
	uint32_t seen;			/* written by the data path */
	struct ism_qconf next;
};

struct ism_rxq {
	struct ism_port *port;
	uint16_t qid;
	uint16_t nb_desc;		/* as asked at setup, for rxq_info */
	bool scatter;			/* RX scatter enabled: chain mbufs */
	uint32_t buf_room;		/* what one fresh mbuf of mp holds */
	struct rte_mempool *mp;
	uint8_t *dmb;			/* our RX DMB memory */
	uint32_t ring_size;
	uint32_t zc_min;		/* frames this long and up: zero-copy */
	struct ism_zc_dmb *zc;		/* NULL: every frame copied */
	uint64_t cons;			/* consumed, ring bytes */
	uint64_t cons_published;
	uint32_t credit_step;		/* a burst publishes this much or more */
	uint64_t cons_seen;		/* cons at the end of a burst, for the
					 * control plane's drain check */
	struct ism_rdmb peer;		/* peer's RX DMB q: credit target */
	struct ism_qctl ctl;
	uint32_t epoch;			/* of the ring cursors in use */
	bool intr_armed;
	/* stats */
	uint64_t packets;
	uint64_t bytes;
	uint64_t nombuf;
	uint64_t corrupt_records;
	uint64_t filter_unicast;	/* refused: another unicast MAC */
	uint64_t filter_multicast;	/* refused: multicast, allmulti off */
	uint64_t filter_short;		/* refused: no whole destination MAC */
	uint64_t oversize;		/* dropped: over one mbuf, no scatter */
	uint64_t cursor_errors;
	uint64_t store_errors;
	bool deferred_start;		/* rx_deferred_start: not started
					 * by dev_start (ism_queue.c) */
	uint64_t zc_frames;		/* handed out zero-copy */
	uint64_t zc_copied;		/* big enough, but no slot free */
};

struct ism_txq {
	struct ism_port *port;
	uint16_t qid;
	uint16_t nb_desc;		/* as asked at setup, for txq_info */
	const uint8_t *own;		/* our RX DMB q: credits, intr flag */
	struct ism_rdmb peer;		/* peer's RX DMB q: where we write */
	struct ism_qctl ctl;
	uint32_t epoch;			/* of the ring cursors in use */
	uint32_t ring_size;
	uint64_t prod;
	/* a span of a burst as the pieces its store gathers: headers,
	 * padding and frames of up to ISM_TX_STAGE_FRAME bytes copied one
	 * after the other into stage (one piece for a run of them), longer
	 * frames straight from the mbufs */
	struct iovec iov[ISM_TX_MAX_IOV];
	uint8_t stage[ISM_TX_STAGE];
	/* stats */
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;		/* frames refused (size) */
	uint64_t stores;
	uint64_t store_errors;
	uint64_t credit_stalls;
	uint64_t credit_errors;
	bool deferred_start;		/* tx_deferred_start (ism_queue.c) */
};

/* A fabric name of the software model (the model checks it again). */
#define ISM_DEVARGS_FABRIC_MAX	64

struct ism_devargs {
	char fabric[ISM_DEVARGS_FABRIC_MAX + 1];	/* --vdev ports only */
	char pair[ISM_TRANSPORT_LABEL_MAX + 1];
	uint64_t peer;			/* 0: find it by pair= or peer=any */
	bool peer_any;			/* pair with whoever says HELLO first */
	uint32_t dmb_size;
	uint16_t queues;
	uint32_t hb_timeout_ms;
	bool mac_set;
	struct rte_ether_addr mac;
	uint32_t zc_min;		/* zero_copy=: ISM_ZC_OFF, or a frame size */
};

/* How far a started port is with its peer; ism_ctrl.c moves it, in one
 * place (set_state), and logs every move. See doc/guides/nics/ism.rst. */
enum ism_link_state {
	ISM_LINK_STOPPED,	/* port not started */
	ISM_LINK_SEARCHING,	/* no peer GID yet (label, peer=any) */
	ISM_LINK_DRAINING,	/* the peer's session ended: our RX queues read
				 * what it published before the rings start over */
	ISM_LINK_HANDSHAKE,	/* HELLO, TOKENS, READY with a known peer */
	ISM_LINK_UP,
};

/* The port's view of the peer's current session, reset as a whole when
 * that session ends. The peer's GID is not in it: a fixed peer= keeps it. */
struct ism_peer {
	bool hello;			/* its HELLO for this session seen */
	bool mismatch;			/* a mismatch logged for it */
	bool has_ours;			/* its READY for our session seen */
	uint16_t session;
	uint16_t version;
	uint16_t caps;
	uint16_t nq;
	uint16_t mtu;
	uint32_t dmb_size;
	uint32_t tok_mask;
	uint64_t tok[ISM_MAX_QUEUES];
	uint32_t beat;			/* last heartbeat in its control record */
};

/*
 * Control events wait here until the control lock is released: on the
 * model a SIGNAL_IEQ may wait seconds for a fabric lock another process
 * holds, and that must not hold every ethdev call on the port meanwhile.
 */
#define ISM_CTRL_OUTBOX		8	/* HELLO, 4 TOKENS, READY, BYE */
struct ism_outbox {
	uint16_t n;
	uint64_t gid;
	uint32_t code[ISM_CTRL_OUTBOX];
	uint64_t info[ISM_CTRL_OUTBOX];
};

/*
 * The port is the ethdev's dev_private: in the primary's shared memory, so
 * a secondary process reads the same counters (ism_mp.c). The pointers
 * marked "primary only" are the primary's process-local objects.
 */
/* Room for a transport's name ("model:<fabric>/<slot>", a PCI address). */
#define ISM_PORT_TRANSPORT_LEN	128
struct ism_port {
	char name[RTE_DEV_NAME_MAX_LEN];
	struct rte_eth_dev *eth;	/* primary only */
	struct ism_dev *dev;		/* primary only */
	uint64_t gid;			/* of dev, for every process */
	char transport[ISM_PORT_TRANSPORT_LEN];	/* of dev, likewise */
	struct ism_devargs args;
	struct rte_ether_addr mac;

	/* control plane, under ctrl_lock */
	pthread_mutex_t ctrl_lock;
	bool started;
	bool admin_down;		/* dev_set_link_down; ethdev calls only */
	enum ism_link_state state;
	bool link_up;			/* state == UP, for lock-free readers */
	uint64_t peer_gid;		/* 0: not known (SEARCHING) */
	struct ism_peer peer;
	uint16_t session;		/* ours, new on every start */
	uint16_t nb_queues;		/* configured queue pairs */
	struct ism_dmb *rx_dmb[ISM_MAX_QUEUES];
	/* zero-copy state of each RX DMB, primary only */
	struct ism_zc_dmb *rx_zc[ISM_MAX_QUEUES];
	struct ism_zc_dev *zdev;	/* primary only: dev while frames are held */
	uint32_t zc_held[ISM_MAX_QUEUES];	/* frames held, as of the last
						 * control step (private dump) */
	uint64_t last_held_log_ms;	/* drain waits for held frames */
	struct ism_qconf qconf[ISM_MAX_QUEUES];		/* as last posted */
	uint32_t ring_epoch;		/* bumped when the rings start over */
	uint64_t rx_dmb_rgid;		/* the peer they were registered for */
	uint64_t last_peer_ms;
	uint64_t drain_since_ms;	/* DRAINING entered */
	bool drain_forget_gid;		/* after DRAINING: find the peer anew */
	uint32_t beat;			/* ours, in the peer's control record */
	uint64_t last_search_log_ms;
	uint64_t last_noise_log_ms;	/* foreign events, IEQ overruns */
	uint64_t ieq_overruns_logged;	/* lib/ism's total when last said */
	uint64_t ieq_overruns_base;	/* lib/ism's total at stats reset */
	uint64_t foreign_logged;
	uint64_t last_hello_ms;
	uint64_t last_hb_ms;
	uint64_t last_probe_ms;		/* QUERY_RGID of a silent peer */
	bool alarm_armed;
	bool lsc_pending;		/* delivered after ctrl_lock is released */
	struct ism_outbox outbox;	/* sent after ctrl_lock is released */

	struct ism_rxq *rxq[ISM_MAX_QUEUES];
	struct ism_txq *txq[ISM_MAX_QUEUES];
	struct rte_intr_handle *intr;	/* primary only */

	/* control-plane counters */
	uint64_t ctrl_events;
	uint64_t ctrl_ignored;
	uint64_t ctrl_foreign;		/* events from functions not our peer */
	uint64_t ieq_overruns;		/* lib/ism's count, as of the last step */
	uint64_t drain_timeouts;	/* rings discarded undrained */
	uint64_t drain_discarded;	/* ring bytes they held */
	uint64_t handshakes;
	uint64_t link_downs;
	uint64_t hb_missed;
	uint64_t gid_events;
};

/*
 * The link speed a port reports while up. An ISM function has no line
 * rate: a frame is CPU stores into the peer's memory, as fast as the
 * cores, so this is nominal, not measured (ism-perf measures). It is
 * finite because applications size tests and rate limits from it; 10
 * Gbit/s is what software PMDs commonly report.
 */
#define ISM_LINK_SPEED		RTE_ETH_SPEED_NUM_10G
#define ISM_LINK_SPEED_CAPA	(RTE_ETH_LINK_SPEED_FIXED | RTE_ETH_LINK_SPEED_10G)

static inline struct ism_port *
ism_port_of(struct rte_eth_dev *eth)
{
	return eth->data->dev_private;
}

uint64_t ism_now_ms(void);

/* ism_devargs.c */
#define ISM_DEVARGS_HELP \
	"fabric=<name> pair=<label> peer=<gid>|any " \
	"dmb_size=<16384..1048576, multiple of 4096> queues=<1..16> " \
	"mac=<xx:xx:xx:xx:xx:xx> hb_timeout=<ms> zero_copy=on|off|<bytes>"
int ism_devargs_parse(const char *name, const char *args, bool model,
		      struct ism_devargs *out);
extern const char ism_devargs_help[];

/* ism_ctrl.c */
int ism_ctrl_attach(struct ism_port *p);
void ism_ctrl_detach(struct ism_port *p);
int ism_ctrl_start(struct ism_port *p);
void ism_ctrl_stop(struct ism_port *p);
void ism_ctrl_link_down(struct ism_port *p);
/* Caller holds the control lock. */
int ism_ctrl_rx_intr(struct ism_port *p, uint16_t qid, bool on);
void ism_ctrl_inject_event(struct ism_port *p, const struct ism_event *ev);
const char *ism_link_state_name(enum ism_link_state s);
void ism_ctrl_lock(struct ism_port *p);
void ism_ctrl_unlock(struct ism_port *p);

/* ism_rxtx.c */
void ism_qctl_post(struct ism_qctl *c, const struct ism_qconf *next);
void ism_rxq_apply(struct ism_rxq *q, const struct ism_qconf *c);
void ism_txq_apply(struct ism_txq *q, const struct ism_qconf *c);
uint16_t ism_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ism_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);

/* ism_ethdev.c: the primary's ops; ism_mp.c takes the calls a secondary
 * may make from it. */
extern const struct eth_dev_ops ism_ops;
void ism_port_dump(const struct ism_port *p, FILE *f);

/* ism_mp.c: secondary processes */
int ism_mp_attach(struct rte_device *dev, const char *name);
int ism_mp_eth_init(struct rte_eth_dev *eth, void *unused);
bool ism_mp_is_port(const struct rte_eth_dev *eth);

/* ism_queue.c: per-queue start/stop */
int ism_rx_queue_start(struct rte_eth_dev *eth, uint16_t qid);
int ism_rx_queue_stop(struct rte_eth_dev *eth, uint16_t qid);
int ism_tx_queue_start(struct rte_eth_dev *eth, uint16_t qid);
int ism_tx_queue_stop(struct rte_eth_dev *eth, uint16_t qid);
/* dev_start: every queue started except the deferred ones */
void ism_queues_start(struct rte_eth_dev *eth);
/* For the bursts: queue @qid stopped by rte_eth_dev_*_queue_stop(). */
static inline bool
ism_queue_stopped(const uint8_t *state, uint16_t qid)
{
	return __atomic_load_n(&state[qid], __ATOMIC_ACQUIRE) !=
		RTE_ETH_QUEUE_STATE_STARTED;
}

/* ism_stats.c */
int ism_stats_get(struct rte_eth_dev *eth, struct rte_eth_stats *st);
int ism_stats_reset(struct rte_eth_dev *eth);
int ism_xstats_get(struct rte_eth_dev *eth, struct rte_eth_xstat *xs,
		   unsigned int n);
int ism_xstats_get_names(struct rte_eth_dev *eth,
			 struct rte_eth_xstat_name *names, unsigned int n);

struct ism_port *ism_port_by_id(uint16_t port_id);

/* ism_telemetry.c */
void ism_telemetry_init(void);

#endif /* ISM_ETHDEV_H */
