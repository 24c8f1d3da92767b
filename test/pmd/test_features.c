/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev features net_ism claims in doc/guides/nics/features/ism.ini
 * and that no other program of the suite proves: the nominal link speed
 * (finite, so applications that size a run from it end), queue info as
 * set up, the private dump of the control plane, and the MAC filter of
 * promiscuous and allmulticast mode, telemetry's answers to bad arguments.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "check.h"
#include "ism_ethdev.h"
#include "ism_model.h"
#include "pmd_test.h"
#include "rte_pmd_ism.h"

#define FABRIC "feattest"
#define RX_DESC 512
#define TX_DESC 256
#define BUF_SIZE 2048

static struct rte_mempool *pool;

static void
test_link_speed(uint16_t a)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link l;

	CHECK_EQ(rte_eth_link_get_nowait(a, &l), 0, "link read");
	CHECK_EQ(l.link_status, RTE_ETH_LINK_UP, "link up");
	CHECK_EQ(l.link_speed, RTE_ETH_SPEED_NUM_10G,
		 "nominal speed 10 Gbit/s while up, not Unknown");
	CHECK_EQ(l.link_duplex, RTE_ETH_LINK_FULL_DUPLEX, "full duplex");
	CHECK_EQ(l.link_autoneg, RTE_ETH_LINK_FIXED, "fixed, no autonegotiation");
	CHECK(rte_eth_dev_info_get(a, &info) == 0 &&
	      info.speed_capa == (RTE_ETH_LINK_SPEED_FIXED | RTE_ETH_LINK_SPEED_10G),
	      "speed_capa says fixed 10G (0x%x)", info.speed_capa);
}

static void
test_queue_info(uint16_t a)
{
	struct rte_eth_rxq_info rx;
	struct rte_eth_txq_info tx;

	memset(&rx, 0xff, sizeof(rx));
	memset(&tx, 0xff, sizeof(tx));
	CHECK_EQ(rte_eth_rx_queue_info_get(a, 0, &rx), 0, "rxq_info_get answers");
	CHECK(rx.mp == pool, "RX queue info names the queue's mempool");
	CHECK_EQ(rx.nb_desc, RX_DESC, "RX nb_desc as set up");
	CHECK_EQ(rx.rx_buf_size, BUF_SIZE, "RX buffer size of the mempool");
	CHECK_EQ(rx.queue_state, RTE_ETH_QUEUE_STATE_STARTED, "RX queue started");
	CHECK_EQ(rx.scattered_rx, 0, "RX scatter not enabled");
	CHECK_EQ(rte_eth_tx_queue_info_get(a, 0, &tx), 0, "txq_info_get answers");
	CHECK_EQ(tx.nb_desc, TX_DESC, "TX nb_desc as set up");
	CHECK_EQ(tx.queue_state, RTE_ETH_QUEUE_STATE_STARTED, "TX queue started");
	CHECK(rte_eth_rx_queue_info_get(a, 1, &rx) != 0,
	      "no info for a queue that is not configured");
}

static void
test_priv_dump(uint16_t a, uint64_t ga, uint64_t gb)
{
	char buf[4096], want[64];
	size_t n = 0;
	FILE *f = tmpfile();

	CHECK(f != NULL && rte_eth_dev_priv_dump(a, f) == 0, "priv_dump answers");
	if (f == NULL)
		return;
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "gid: %016" PRIx64 "\n", ga);
	CHECK(strstr(buf, want) != NULL, "dump has the port's GID");
	snprintf(want, sizeof(want), "peer_gid: %016" PRIx64 "\n", gb);
	CHECK(strstr(buf, want) != NULL, "dump has the peer's GID");
	CHECK(strstr(buf, "state: up\n") != NULL, "dump has the link state");
	CHECK(strstr(buf, "queue_pairs: 1\n") != NULL, "dump has the queue pairs");
	CHECK(strstr(buf, "dmb_size: 65536\n") != NULL, "dump has the DMB size");
}

/* The transport's whole name in the dump, for the longest fabric name. */
static void
test_priv_dump_long_name(void)
{
	char fabric[ISM_DEVARGS_FABRIC_MAX + 1], args[128], buf[4096];
	char want[ISM_DEVARGS_FABRIC_MAX + 32];
	uint16_t port;
	size_t n = 0;
	bool ok;
	FILE *f;

	memset(fabric, 'f', ISM_DEVARGS_FABRIC_MAX);
	fabric[ISM_DEVARGS_FABRIC_MAX] = '\0';
	snprintf(args, sizeof(args), "fabric=%s,pair=long", fabric);
	ok = rte_vdev_init("net_ism9", args) == 0 &&
		rte_eth_dev_get_port_by_name("net_ism9", &port) == 0;
	CHECK(ok, "a port on a fabric of %d characters", ISM_DEVARGS_FABRIC_MAX);
	if (!ok)
		return;
	f = tmpfile();
	if (f != NULL && rte_eth_dev_priv_dump(port, f) == 0) {
		rewind(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
	}
	buf[n] = '\0';
	if (f != NULL)
		fclose(f);
	snprintf(want, sizeof(want), "transport: model:%s/", fabric);
	CHECK(strstr(buf, want) != NULL, "the dump names its transport in full");
	rte_vdev_uninit("net_ism9");
	ism_model_unlink(fabric);
}

/* The kinds of frame the filter tells apart, in the order they are sent;
 * each carries its index at byte 12 (the EtherType's place). */
enum { F_OWN, F_OTHER, F_BCAST, F_MCAST, F_SHORT, F_KINDS };

/* Send one frame of each kind from @a; return a bit per kind @b got. */
static unsigned int
send_kinds(uint16_t a, uint16_t b)
{
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	struct rte_ether_addr own;
	unsigned int got = 0, seen = 0;
	uint64_t end;

	rte_eth_macaddr_get(b, &own);
	for (unsigned int k = 0; k < F_KINDS; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t len = k == F_SHORT ? 5 : 64;
		uint8_t *d;

		if (m == NULL)
			return UINT32_MAX;
		d = (uint8_t *)rte_pktmbuf_append(m, len);
		memset(d, (int)k, len);
		if (k == F_OWN)
			memcpy(d, own.addr_bytes, 6);
		else if (k == F_OTHER)
			memcpy(d, other, 6);
		else if (k == F_BCAST)
			memset(d, 0xff, 6);
		else if (k == F_MCAST)
			memcpy(d, mcast, 6);
		if (rte_eth_tx_burst(a, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			return UINT32_MAX;
		}
	}
	/* a last frame every mode takes marks the end of the batch */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, 64) : NULL;

		if (d == NULL)
			return UINT32_MAX;
		memset(d, 0xff, 6);
		memset(d + 6, 0xee, 58);
		if (rte_eth_tx_burst(a, 0, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			return UINT32_MAX;
		}
	}
	end = pmd_now_ms() + 3000;
	while (!seen && pmd_now_ms() < end) {
		struct rte_mbuf *m[8];
		uint16_t n = rte_eth_rx_burst(b, 0, m, 8);

		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);

			if (m[i]->pkt_len == 64 && d[12] == 0xee)
				seen = 1;
			else if (m[i]->pkt_len == 5)
				got |= 1u << F_SHORT;
			else if (m[i]->pkt_len == 64 && d[12] < F_KINDS)
				got |= 1u << d[12];
			else
				got |= 1u << 31;	/* not one we sent */
			rte_pktmbuf_free(m[i]);
		}
	}
	return seen ? got : UINT32_MAX;
}

static void
test_mac_filter(uint16_t a, uint16_t b)
{
	const unsigned int all = (1u << F_KINDS) - 1;

	CHECK_EQ(rte_eth_promiscuous_get(b), 1, "promiscuous by default");
	CHECK_EQ(send_kinds(a, b), all, "promiscuous: every frame delivered");
	CHECK_EQ(rte_eth_stats_reset(b), 0, "stats reset");
	CHECK_EQ(rte_eth_promiscuous_disable(b), 0, "promiscuous off");
	CHECK_EQ(rte_eth_allmulticast_disable(b), 0, "allmulticast off");
	CHECK_EQ(send_kinds(a, b), (1u << F_OWN) | (1u << F_BCAST),
		 "filtering: own MAC and broadcast only");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_unicast"), 1, "one unicast refused");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_multicast"), 1, "one multicast refused");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_short"), 1, "one short frame refused");
	CHECK_EQ(rte_eth_allmulticast_enable(b), 0, "allmulticast on");
	CHECK_EQ(send_kinds(a, b), (1u << F_OWN) | (1u << F_BCAST) | (1u << F_MCAST),
		 "allmulticast: multicast too");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_multicast"), 1, "no multicast refused more");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_unicast"), 2, "the other unicast again");
	CHECK_EQ(rte_eth_promiscuous_enable(b), 0, "promiscuous on again");
	CHECK_EQ(send_kinds(a, b), all, "every frame delivered again");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_unicast") + pmd_xstat(b, "rx_filtered_short") +
		 pmd_xstat(b, "rx_filtered_multicast"), 2 + 2 + 1,
		 "and none refused");
	CHECK_EQ(rte_eth_stats_reset(b), 0, "stats reset");
	CHECK_EQ(pmd_xstat(b, "rx_filtered_unicast"), 0, "filter counters reset too");
}

/* One telemetry request over the v2 socket of this process; the reply
 * in @out. Returns its length, -1 if the socket cannot be used. */
static int
tel_request(const char *cmd, char *out, size_t size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    read(fd, out, size - 1) <= 0 ||		/* the greeting */
	    write(fd, cmd, strlen(cmd)) < 0 ||
	    (n = read(fd, out, size - 1)) <= 0) {
		close(fd);
		return -1;
	}
	close(fd);
	out[n] = '\0';
	return (int)n;
}

static void
test_telemetry(uint16_t a)
{
	char buf[4096], cmd[64];

	snprintf(cmd, sizeof(cmd), "/ism/info,%u", a);
	CHECK(tel_request(cmd, buf, sizeof(buf)) > 0 &&
	      strstr(buf, "\"gid\":") != NULL && strstr(buf, "\"error\"") == NULL,
	      "/ism/info of a port answers with its GID");
	CHECK(tel_request("/ism/info,17", buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/info\":{\"error\":\"no net_ism port") != NULL,
	      "/ism/info of no port answers with an error (%s)", buf);
	snprintf(cmd, sizeof(cmd), "/ism/info,%u", RTE_MAX_ETHPORTS);
	CHECK(tel_request(cmd, buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/info\":{\"error\":\"port id out of range") != NULL,
	      "/ism/info of a port id out of range answers with an error (%s)", buf);
	CHECK(tel_request("/ism/info,x1", buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/info\":{\"error\":\"port id is not") != NULL,
	      "/ism/info of a non-number answers with an error (%s)", buf);
	CHECK(tel_request("/ism/info", buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/info\":{\"error\":\"missing port id") != NULL,
	      "/ism/info without a port id answers with an error (%s)", buf);
	CHECK(tel_request("/ism/ports,3", buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/ports\":{\"error\":") != NULL,
	      "/ism/ports with a parameter answers with an error (%s)", buf);
	CHECK(tel_request("/ism/ports", buf, sizeof(buf)) > 0 &&
	      strstr(buf, "{\"/ism/ports\":[") != NULL,
	      "/ism/ports lists the ports (%s)", buf);
}

int
main(int argc, char **argv)
{
	uint64_t ga = 0, gb = 0;
	uint16_t a, b;
	int ports;

	(void)argc;
	if (pmd_eal_start(argv[0], "feat") < 0) {
		printf("Bail out! EAL init failed\n");
		return 99;
	}
	pool = rte_pktmbuf_pool_create("feat", 4096, 256, 0,
				       BUF_SIZE + RTE_PKTMBUF_HEADROOM, 0);
	CHECK(pool != NULL, "a mempool");
	ports = pmd_two_ports(FABRIC, "ft", &a, &b);
	CHECK(ports == 0, "two ports");
	if (ports != 0) {
		printf("Bail out! no ports\n");
		return 99;
	}
	rte_pmd_ism_get_gid(a, &ga);
	rte_pmd_ism_get_gid(b, &gb);
	CHECK(pmd_start_port(a, RX_DESC, TX_DESC, pool) == 0 &&
	      pmd_start_port(b, RX_DESC, TX_DESC, pool) == 0,
	      "both started");
	CHECK(pmd_link_is(a, 1, 5000) && pmd_link_is(b, 1, 5000), "linked");
	test_link_speed(a);
	test_queue_info(a);
	test_priv_dump(a, ga, gb);
	test_priv_dump_long_name();
	test_mac_filter(a, b);
	test_telemetry(a);
	pmd_two_ports_close(a, b);
	pmd_eal_stop();
	return check_done();
}
