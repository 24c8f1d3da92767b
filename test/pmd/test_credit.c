/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When RX gives the ring back (ism_rx_burst.h, rx_publish): a burst that
 * delivers frames publishes its consumer cursor only once a quarter ring
 * went unpublished; the next poll that finds the ring empty, or delivers
 * nothing (nb_pkts 0 included), publishes the rest. Checked where the
 * sender reads its credit, in its own RX DMB 0: deferred after a short
 * burst, exact after an empty poll and after a call for 0 frames, and in
 * a stream that never lets the ring run empty never more than a quarter
 * ring behind, while the sender keeps sending and every frame arrives in
 * sequence.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "ism_ethdev.h"
#include "ism_ring.h"
#include "pmd_test.h"

#define FABRIC "credittest"
#define LEN 200			/* a 208-byte record */
#define SEQ_AT 12		/* where pmd_send_seq puts the number */

static struct rte_mempool *pool;

static struct ism_rxq *
rxq_of(uint16_t port)
{
	return ((struct ism_port *)rte_eth_devices[port].data->dev_private)->rxq[0];
}

/* @a's credit: the consumer cursor of its TX ring that its peer
 * published into @a's own RX DMB 0, where @a's TX reads it. */
static uint64_t
credit_of(uint16_t a)
{
	const struct ism_port *p = rte_eth_devices[a].data->dev_private;

	return ism_ring_load64(p->rx_dmb[0]->addr, ISM_RING_CREDIT_OFF);
}

/* One burst of up to @nb on @b, each frame checked against *@next. */
static int
burst(uint16_t b, uint16_t nb, uint32_t *next)
{
	struct rte_mbuf *m[32];
	uint16_t k = rte_eth_rx_burst(b, 0, m, nb);
	int bad = 0;

	for (uint16_t i = 0; i < k; i++) {
		uint32_t seq;

		memcpy(&seq, rte_pktmbuf_mtod(m[i], uint8_t *) + SEQ_AT, sizeof(seq));
		bad |= seq != (*next)++ || m[i]->pkt_len != LEN;
		rte_pktmbuf_free(m[i]);
	}
	return bad ? -1 : k;
}

static void
test_deferred(uint16_t a, uint16_t b, uint32_t *sent, uint32_t *next)
{
	uint64_t before = credit_of(a);

	*sent += pmd_send_seq(a, pool, *sent, 16, LEN);
	CHECK_EQ(burst(b, 8, next), 8, "8 of 16 frames received in order");
	CHECK_EQ(credit_of(a), before, "a burst that delivered frames, a quarter ring not reached: credit not yet published");
	CHECK_EQ(burst(b, 0, next), 0, "a call for 0 frames");
	CHECK_EQ(credit_of(a), rxq_of(b)->cons, "it publishes the credit");
	CHECK_EQ(burst(b, 8, next), 8, "the other 8");
	CHECK(credit_of(a) < rxq_of(b)->cons, "again deferred");
	CHECK_EQ(burst(b, 32, next), 0, "the ring is empty");
	CHECK_EQ(credit_of(a), rxq_of(b)->cons, "the empty poll publishes the credit");
	CHECK_EQ(credit_of(a), *sent * (uint64_t)ism_rec_size(LEN),
		 "all the sender wrote is given back");
}

static void
test_stream(uint16_t a, uint16_t b, uint32_t *sent, uint32_t *next)
{
	const struct ism_rxq *q = rxq_of(b);
	uint64_t behind_max = 0;
	uint32_t target = *sent + 20 * (q->ring_size / ism_rec_size(LEN));
	int bad = 0, empty = 0;

	/* keep the ring topped up before every burst: the receiver never
	 * finds it empty, so only the quarter-ring rule publishes */
	while (*next < target && !bad) {
		uint64_t behind;
		int k;

		*sent += pmd_send_seq(a, pool, *sent, 64, LEN);
		if (*sent == *next) {
			empty++;
			break;
		}
		k = burst(b, 32, next);
		if (k < 0) {
			bad = 1;
			break;
		}
		behind = q->cons - credit_of(a);
		if (behind > behind_max)
			behind_max = behind;
	}
	CHECK_EQ(bad, 0, "20 rings of frames received in sequence");
	CHECK_EQ(empty, 0, "the ring never ran empty: only the quarter-ring rule published");
	CHECK(*next >= target, "the stream went on (%u of %u)", *next, target);
	CHECK(behind_max < q->credit_step,
	      "the credit is never a quarter ring behind (at most %" PRIu64 " of %u bytes)",
	      behind_max, q->credit_step);
	CHECK(behind_max > 32 * ism_rec_size(LEN),
	      "and more than a burst behind at times (%" PRIu64 " bytes): bursts do not publish each",
	      behind_max);
}

int
main(int argc, char **argv)
{
	uint32_t sent = 0, next = 0;
	uint16_t a, b;

	(void)argc;
	if (pmd_eal_start(argv[0], "credit") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("credit", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || pmd_two_ports(FABRIC, "cr", &a, &b) != 0) {
		printf("Bail out! no pool or ports\n");
		return 99;
	}
	CHECK(pmd_start_port(a, 512, 512, pool) == 0 && pmd_start_port(b, 512, 512, pool) == 0,
	      "ports started");
	CHECK(pmd_link_is(a, 1, 10000) && pmd_link_is(b, 1, 10000), "link up");
	CHECK_EQ(rxq_of(b)->credit_step, rxq_of(b)->ring_size / 4, "the step is a quarter ring");
	test_deferred(a, b, &sent, &next);
	test_stream(a, b, &sent, &next);
	rte_eth_dev_stop(a);
	rte_eth_dev_stop(b);
	rte_eth_dev_close(a);
	rte_eth_dev_close(b);
	pmd_eal_stop();
	return check_done();
}
