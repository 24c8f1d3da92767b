/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A paced stream of numbered frames on port 0, for the capture tests: what
 * a capture of it holds can be checked frame by frame.
 *
 *   seq_gen <EAL options> -- <count> <frames per second> <frame size>
 *
 * Frame k (k = 0 .. count-1): broadcast destination, the port's MAC as
 * source, EtherType SEQ_GEN_ETHERTYPE, k as a big-endian 32-bit number,
 * then bytes (k + i) & 0xff up to the frame size. It waits for the link,
 * sends, prints "sent N" and exits 0 when every frame was sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define SEQ_GEN_ETHERTYPE	0x88b5	/* IEEE local experimental */
#define HDR			(RTE_ETHER_HDR_LEN + 4)

static struct rte_mbuf *
make_frame(struct rte_mempool *mp, const struct rte_ether_addr *src,
	   uint32_t seq, uint16_t size)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	rte_be32_t be = rte_cpu_to_be_32(seq);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, size);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eh = (struct rte_ether_hdr *)p;
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = *src;
	eh->ether_type = rte_cpu_to_be_16(SEQ_GEN_ETHERTYPE);
	memcpy(p + RTE_ETHER_HDR_LEN, &be, sizeof(be));
	for (uint16_t i = HDR; i < size; i++)
		p[i] = (uint8_t)(seq + i);
	return m;
}

static int
start_port(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, rte_socket_id(), NULL, mp) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	return 0;
}

static bool
wait_link(uint16_t port, unsigned int seconds)
{
	struct rte_eth_link l;

	for (unsigned int i = 0; i < seconds * 10; i++) {
		if (rte_eth_link_get_nowait(port, &l) == 0 && l.link_status)
			return true;
		rte_delay_us_sleep(100000);
	}
	return false;
}

int
main(int argc, char **argv)
{
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
	uint32_t count, rate, sent = 0;
	uint64_t hz, next;
	uint16_t size;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "seq_gen: EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc != 4) {
		fprintf(stderr, "usage: seq_gen <EAL options> -- <count> <frames per second> <frame size %u..1514>\n",
			HDR);
		return 2;
	}
	count = (uint32_t)strtoul(argv[1], NULL, 0);
	rate = (uint32_t)strtoul(argv[2], NULL, 0);
	size = (uint16_t)strtoul(argv[3], NULL, 0);
	if (rate == 0 || size < HDR || size > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN) {
		fprintf(stderr, "seq_gen: rate must be > 0, size %u..1514\n", HDR);
		return 2;
	}
	mp = rte_pktmbuf_pool_create("seq_gen", 2048, 64, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL || rte_eth_dev_count_avail() < 1 || start_port(0, mp) < 0) {
		fprintf(stderr, "seq_gen: cannot set up port 0\n");
		return 1;
	}
	if (!wait_link(0, 15)) {
		fprintf(stderr, "seq_gen: port 0's link did not come up\n");
		return 1;
	}
	rte_eth_macaddr_get(0, &mac);
	printf("link up, sending %u frames of %u bytes at %u/s\n", count, size, rate);
	fflush(stdout);
	hz = rte_get_timer_hz();
	next = rte_get_timer_cycles();
	while (sent < count) {
		struct rte_mbuf *m;

		while (rte_get_timer_cycles() < next)
			rte_pause();
		m = make_frame(mp, &mac, sent, size);
		if (m == NULL) {
			fprintf(stderr, "seq_gen: out of mbufs\n");
			break;
		}
		/* the peer's ring full: wait for its credit, never skip; a
		 * peer gone for 5 s ends the stream */
		for (int tries = 0; rte_eth_tx_burst(0, 0, &m, 1) == 0; tries++) {
			if (tries == 50000) {
				fprintf(stderr, "seq_gen: frame %u not accepted for 5 s\n", sent);
				rte_pktmbuf_free(m);
				goto out;
			}
			rte_delay_us_sleep(100);
		}
		sent++;
		next += hz / rate;
	}
out:
	printf("sent %u\n", sent);
	fflush(stdout);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return sent == count ? 0 : 1;
}
