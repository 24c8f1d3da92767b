/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ism's devargs, strictly: a key given twice, a value with a space, a
 * sign or trailing junk, an empty value, a number out of range and a MAC
 * no frame can be addressed to are each refused, by the PMD's own parser,
 * with a message naming the key, the value and what is accepted; the
 * accepted forms (hex and decimal GIDs, peer=any, the limits of every
 * range) give exactly the configuration written. End to end, a bad --vdev
 * given to rte_eal_init and one hot-plugged later fail their probe with
 * that message and leave nothing in the fabric, next to a good one that
 * probes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "check.h"
#include "pmd_test.h"
#include "ism_ethdev.h"
#include "ism_model.h"

#define FABRIC "devargs"
#define DEV "net_ism9"

/* A string of @n copies of @c (names at and past their length limit). */
static const char *
repeat(char c, size_t n)
{
	static char buf[4][128];
	static unsigned int next;
	char *b = buf[next++ % RTE_DIM(buf)];

	memset(b, c, n);
	b[n] = '\0';
	return b;
}

/*
 * @args must be refused, and the message must hold @want and @want2 (NULL:
 * not checked), the name of the device first.
 */
static void
refused(bool model, const char *args, const char *want, const char *want2)
{
	struct ism_devargs a;
	char line[512];
	int rc;

	pmd_log_clear();
	rc = ism_devargs_parse(DEV, args, model, &a);
	CHECK(rc < 0, "refused: '%s'", args);
	snprintf(line, sizeof(line), "net_ism: " DEV ": %s", want);
	CHECK(pmd_log_has(line), "  the message has \"%s\"", want);
	if (want2 != NULL)
		CHECK(pmd_log_has(want2), "  the message has \"%s\"", want2);
	if (!pmd_log_has(line) || (want2 != NULL && !pmd_log_has(want2)))
		check_diag("  logged: %s", pmd_log_text());
}

static void
test_duplicates(void)
{
	refused(true, "fabric=f,pair=a,fabric=g",
		"devarg 'fabric' is given twice (fabric=f, then fabric=g); give it once",
		NULL);
	refused(true, "fabric=f,pair=a,pair=a",
		"devarg 'pair' is given twice (pair=a, then pair=a)", NULL);
	refused(true, "fabric=f,pair=a,queues=4,dmb_size=16384,queues=4",
		"devarg 'queues' is given twice", NULL);
	refused(true, "fabric=f,peer=any,peer=0x12",
		"devarg 'peer' is given twice (peer=any, then peer=0x12)", NULL);
	refused(true, "fabric=f,pair=a,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02",
		"devarg 'mac' is given twice", NULL);
	refused(true, "fabric=f,pair=a,hb_timeout=500,hb_timeout=500",
		"devarg 'hb_timeout' is given twice", NULL);
	refused(false, "driver=net_ism,peer=any,driver=net_ism",
		"devarg 'driver' is given twice", NULL);
}

static void
test_syntax(void)
{
	const char *num = "is not a number: write decimal digits or 0x and hex digits, without spaces or signs";

	/* spaces and control characters, wherever they are */
	refused(true, "fabric=f,pair=a,queues= 4",
		"queues=' 4' has a space or a control character; accepted: 1..16", NULL);
	refused(true, "fabric=f,pair=a,queues=4 ",
		"queues='4 ' has a space", NULL);
	refused(true, "fabric=f,pair=a,queues=\t4", "queues='\t4' has a space", NULL);
	refused(true, "fabric=f,pair=a,peer= 0x12", "peer=' 0x12' has a space", NULL);
	refused(true, "fabric=my fabric,pair=a", "fabric='my fabric' has a space", NULL);
	refused(true, "fabric=f,pair=a b", "pair='a b' has a space", NULL);
	refused(true, "fabric=f,pair=a,mac= 02:00:00:00:00:01", "mac=' 02:00:00:00:00:01' has a space",
		NULL);
	refused(true, "fabric=f,pair=\xc3\xa9t\xc3\xa9",
		"pair='\xc3\xa9t\xc3\xa9' has a space or a control character", NULL);
	refused(true, "fabric=f,pair=a, queues=4", "unknown devarg ' queues' with the value 4",
		"valid: fabric=<name> pair=<label>");

	/* signs, trailing junk, other bases */
	refused(true, "fabric=f,pair=a,queues=+4", "queues=+4 ", num);
	refused(true, "fabric=f,pair=a,queues=-1", "queues=-1 ", "accepted: 1..16");
	refused(true, "fabric=f,pair=a,queues=4x", "queues=4x ", num);
	refused(true, "fabric=f,pair=a,queues=4=5", "queues=4=5 ", num);
	refused(true, "fabric=f,pair=a,queues=4.0", "queues=4.0 ", num);
	refused(true, "fabric=f,pair=a,queues=0x", "queues=0x ", num);
	refused(true, "fabric=f,pair=a,queues=0x1g", "queues=0x1g ", num);
	refused(true, "fabric=f,pair=a,dmb_size=64k", "dmb_size=64k ", num);
	refused(true, "fabric=f,pair=a,hb_timeout=1e3", "hb_timeout=1e3 ", num);
	refused(true, "fabric=f,peer=garbage", "peer=garbage is not a number", "or 'any'");
	refused(true, "fabric=f,peer=-1", "peer=-1 ", num);
	refused(true, "fabric=f,peer=+0x12", "peer=+0x12 ", num);
	refused(true, "fabric=f,peer=0x12junk", "peer=0x12junk ", num);
	refused(true, "fabric=f,peer=ANY", "peer=ANY ", num);
	refused(true, "fabric=f,pair=a=b", "pair=a=b has the character '='",
		"accepted: 1..31 characters of A-Z a-z 0-9 . _ -");

	/* empty values and items */
	refused(true, "fabric=f,pair=a,queues=",
		"devarg 'queues' needs a value (queues=...); accepted: 1..16", NULL);
	refused(true, "fabric=f,pair", "devarg 'pair' needs a value (pair=...)", NULL);
	refused(true, "fabric=,pair=a", "devarg 'fabric' needs a value", NULL);
	refused(false, "peer=", "devarg 'peer' needs a value", "or 'any'");
	refused(true, "fabric=f,,pair=a",
		"empty devarg in 'fabric=f,,pair=a' (two commas in a row, or one at an end); remove it",
		NULL);
	refused(true, "fabric=f,pair=a,", "empty devarg in 'fabric=f,pair=a,'", NULL);
	refused(true, ",fabric=f,pair=a", "empty devarg in ',fabric=f,pair=a'", NULL);
	refused(true, "fabric=f,pair=a,=4", "unknown devarg '' with the value 4", NULL);
	refused(true, "fabric=f,pair=a,bogus=1", "unknown devarg 'bogus' with the value 1",
		"valid: fabric=<name>");
	refused(true, "fabric=f,pair=a,Queues=4", "unknown devarg 'Queues'", NULL);
}

static void
test_ranges(void)
{
	refused(true, "fabric=f,pair=a,queues=0", "queues=0 is not a number in 1..16", NULL);
	refused(true, "fabric=f,pair=a,queues=17", "queues=17 is not a number in 1..16", NULL);
	refused(true, "fabric=f,pair=a,queues=0x11", "queues=0x11 is not a number in 1..16",
		NULL);
	refused(true, "fabric=f,pair=a,queues=18446744073709551617",
		"queues=18446744073709551617 is not a number in 1..16", NULL);
	refused(true, "fabric=f,pair=a,dmb_size=2097152",
		"dmb_size=2097152 is not a number in 16384..1048576, a multiple of 4096", NULL);
	refused(true, "fabric=f,pair=a,dmb_size=12288",
		"dmb_size=12288 is not a number in 16384..1048576", NULL);
	refused(true, "fabric=f,pair=a,dmb_size=1052672",
		"dmb_size=1052672 is not a number in 16384..1048576", NULL);
	refused(true, "fabric=f,pair=a,dmb_size=20000",
		"dmb_size=20000 is not a multiple of 4096; accepted: 16384..1048576", NULL);
	refused(true, "fabric=f,pair=a,hb_timeout=299",
		"hb_timeout=299 is not a number in 300..600000 (milliseconds)", NULL);
	refused(true, "fabric=f,pair=a,hb_timeout=600001",
		"hb_timeout=600001 is not a number in 300..600000", NULL);
	refused(true, "fabric=f,peer=0",
		"peer=0 is not a number in 0x1..0xffffffffffffffff (the peer's GID, hex or decimal) or 'any'",
		NULL);
	refused(true, "fabric=f,peer=0x0", "peer=0x0 is not a number in 0x1..", NULL);
	refused(true, "fabric=f,peer=0x10000000000000000",
		"peer=0x10000000000000000 is not a number in 0x1..0xffffffffffffffff", NULL);
	refused(true, "fabric=f,peer=18446744073709551616",
		"peer=18446744073709551616 is not a number in 0x1..", NULL);
}

static void
test_names_and_macs(void)
{
	const char *acc_mac = "accepted: a unicast address xx:xx:xx:xx:xx:xx, not all zero";
	char args[256];

	refused(true, "fabric=no/such,pair=x", "fabric=no/such has the character '/'",
		"accepted: 1..64 characters of A-Z a-z 0-9 . _ -, not starting with '.'");
	refused(true, "fabric=.hidden,pair=x", "fabric=.hidden starts with '.'",
		"accepted: 1..64 characters");
	snprintf(args, sizeof(args), "fabric=%s,pair=x", repeat('f', 65));
	refused(true, args, "fabric=fff", "is 65 characters long; accepted: 1..64 characters");
	snprintf(args, sizeof(args), "fabric=f,pair=%s", repeat('p', 32));
	refused(true, args, "pair=ppp", "is 32 characters long; accepted: 1..31 characters");
	refused(true, "fabric=f,pair=a\"b", "pair=a\"b has the character '\"'", NULL);

	refused(true, "fabric=f,pair=a,mac=00:00:00:00:00:00",
		"mac=00:00:00:00:00:00 is the all-zero address", acc_mac);
	refused(true, "fabric=f,pair=a,mac=ff:ff:ff:ff:ff:ff",
		"mac=ff:ff:ff:ff:ff:ff is the broadcast address", acc_mac);
	refused(true, "fabric=f,pair=a,mac=01:00:5e:00:00:01",
		"mac=01:00:5e:00:00:01 is a multicast address (the first byte is odd)", acc_mac);
	refused(true, "fabric=f,pair=a,mac=33:33:00:00:00:01",
		"mac=33:33:00:00:00:01 is a multicast address", acc_mac);
	refused(true, "fabric=f,pair=a,mac=02:11:22:33:44",
		"mac=02:11:22:33:44 is not a MAC address", acc_mac);
	refused(true, "fabric=f,pair=a,mac=02:11:22:33:44:55x",
		"mac=02:11:22:33:44:55x is not a MAC address", acc_mac);
	refused(true, "fabric=f,pair=a,mac=2:11:22:33:44:55",
		"mac=2:11:22:33:44:55 is not a MAC address", acc_mac);
	refused(false, "driver=net_foo,peer=any",
		"driver=net_foo names another driver; accepted: net_ism", NULL);
}

/* What the devargs say together, and where they are used. */
static void
test_combinations(void)
{
	refused(true, "pair=x", "needs fabric=<name>: the software ISM fabric to attach to",
		"1..64 characters");
	refused(true, "fabric=f",
		"needs peer=<gid> or peer=any or pair=<label> (both ports use the same label)",
		NULL);
	refused(false, NULL, "needs peer=<gid> or peer=any", NULL);
	refused(false, "", "needs peer=<gid> or peer=any", NULL);
	refused(true, "fabric=f,peer=any,pair=x",
		"give peer= or pair=, not both (peer=any, pair=x)", NULL);
	refused(true, "fabric=f,pair=x,peer=0x12",
		"give peer= or pair=, not both (peer=0x12, pair=x)", NULL);
	refused(false, "fabric=f,peer=any",
		"fabric=f is for the software model (--vdev); a vfio_ism device is real hardware",
		NULL);
	refused(false, "pair=x", "pair=x works on the software model only; give peer=<gid>",
		NULL);
}

static bool
parses(bool model, const char *args, struct ism_devargs *a)
{
	int rc;

	pmd_log_clear();
	rc = ism_devargs_parse(DEV, args, model, a);
	CHECK_EQ(rc, 0, "accepted: '%s'", args);
	if (rc != 0)
		check_diag("  logged: %s", pmd_log_text());
	return rc == 0;
}

static void
test_accepted(void)
{
	const struct rte_ether_addr mac = {
		.addr_bytes = { 0x02, 0xab, 0xcd, 0xef, 0x00, 0x01 } };
	struct ism_devargs a;
	char args[256];

	if (parses(false, "peer=0x1234abcd", &a)) {
		CHECK_EQ(a.peer, 0x1234abcd, "  hex GID");
		CHECK(!a.peer_any && a.pair[0] == '\0' && a.fabric[0] == '\0',
		      "  nothing else set");
		CHECK_EQ(a.dmb_size, ISM_DEFAULT_DMB_SIZE, "  default dmb_size");
		CHECK_EQ(a.queues, ISM_MAX_QUEUES, "  default queues");
		CHECK_EQ(a.hb_timeout_ms, ISM_DEFAULT_HB_TIMEOUT_MS, "  default hb_timeout");
		CHECK(!a.mac_set, "  no mac=");
	}
	if (parses(false, "peer=0XABCDEF0123456789", &a))
		CHECK_EQ(a.peer, 0xabcdef0123456789ull, "  upper-case hex GID");
	if (parses(false, "peer=0xffffffffffffffff", &a))
		CHECK(a.peer == UINT64_MAX, "  the largest GID, hex");
	if (parses(false, "peer=18446744073709551615", &a))
		CHECK(a.peer == UINT64_MAX, "  the largest GID, decimal");
	if (parses(false, "peer=1", &a))
		CHECK_EQ(a.peer, 1, "  the smallest GID");
	if (parses(false, "driver=net_ism,peer=any", &a))
		CHECK(a.peer_any && a.peer == 0, "  peer=any behind the driver layer");
	if (parses(true, "fabric=f,peer=any,queues=16", &a)) {
		CHECK(a.peer_any, "  peer=any");
		CHECK_EQ(a.queues, 16, "  queues=16");
		CHECK(strcmp(a.fabric, "f") == 0, "  fabric=f");
	}
	if (parses(true, "fabric=A.b_c-9,pair=L-1,queues=1,dmb_size=16384,hb_timeout=300,mac=02:AB:CD:ef:00:01",
		   &a)) {
		CHECK(strcmp(a.fabric, "A.b_c-9") == 0, "  fabric name as given");
		CHECK(strcmp(a.pair, "L-1") == 0, "  pair label as given");
		CHECK_EQ(a.queues, 1, "  queues=1");
		CHECK_EQ(a.dmb_size, 16384, "  the smallest dmb_size");
		CHECK_EQ(a.hb_timeout_ms, 300, "  the shortest hb_timeout");
		CHECK(a.mac_set && rte_is_same_ether_addr(&a.mac, &mac),
		      "  mac= in either case");
	}
	if (parses(true, "hb_timeout=600000,dmb_size=1048576,pair=x,fabric=f", &a)) {
		CHECK_EQ(a.dmb_size, 1048576, "  the largest dmb_size, keys in any order");
		CHECK_EQ(a.hb_timeout_ms, 600000, "  the longest hb_timeout");
	}
	if (parses(true, "fabric=f,pair=x,dmb_size=0x4000,queues=0x10", &a)) {
		CHECK_EQ(a.dmb_size, 16384, "  dmb_size in hex");
		CHECK_EQ(a.queues, 16, "  queues in hex");
	}
	if (parses(true, "fabric=f,pair=x,queues=010", &a))
		CHECK_EQ(a.queues, 10, "  leading zeros are decimal, not octal");
	snprintf(args, sizeof(args), "fabric=%s,pair=%s", repeat('f', 64),
		 repeat('p', 31));
	if (parses(true, args, &a)) {
		CHECK_EQ(strlen(a.fabric), 64, "  a 64-character fabric name");
		CHECK_EQ(strlen(a.pair), 31, "  a 31-character pair label");
	}
	/* a second parse starts from the defaults, not from the first */
	if (parses(true, "fabric=f,pair=x", &a))
		CHECK(a.queues == ISM_MAX_QUEUES && !a.mac_set &&
		      a.dmb_size == ISM_DEFAULT_DMB_SIZE, "  defaults again");
}

static void
test_eal_probe(void)
{
	struct rte_eth_dev_info info;
	struct ism_model_stat st;
	int good = pmd_port_of("net_ism2");

	CHECK(pmd_port_of("net_ism0") < 0, "--vdev with 'queues= 4': no port");
	CHECK(pmd_log_has("net_ism: net_ism0: queues=' 4' has a space or a control character; accepted: 1..16"),
	      "  rte_eal_init logged why");
	CHECK(pmd_port_of("net_ism1") < 0, "--vdev with two fabric=: no port");
	CHECK(pmd_log_has("net_ism: net_ism1: devarg 'fabric' is given twice (fabric=" FABRIC
		      ", then fabric=other); give it once"), "  rte_eal_init logged why");
	CHECK(pmd_log_has("failed to initialize net_ism0") && pmd_log_has("failed to initialize net_ism1"),
	      "  EAL reports both probes failed");
	CHECK(good >= 0, "--vdev with peer=any,queues=16: a port");
	if (good >= 0) {
		CHECK_EQ(rte_eth_dev_info_get((uint16_t)good, &info), 0, "  its info");
		CHECK_EQ(info.max_rx_queues, 16, "  16 RX queues offered");
		CHECK_EQ(info.max_tx_queues, 16, "  16 TX queues offered");
	}

	pmd_log_clear();
	CHECK(rte_vdev_init("net_ism3", "fabric=" FABRIC ",pair=h,mac=00:00:00:00:00:00") < 0,
	      "hot-plugged mac=00:00:00:00:00:00 fails its probe");
	CHECK(pmd_log_has("net_ism: net_ism3: mac=00:00:00:00:00:00 is the all-zero address"),
	      "  with the message");
	CHECK(rte_vdev_init("net_ism3", "fabric=" FABRIC ",pair=h,dmb_size=16385") < 0,
	      "hot-plugged dmb_size=16385 fails its probe");
	CHECK(pmd_log_has("net_ism: net_ism3: dmb_size=16385 is not a multiple of 4096"),
	      "  with the message");
	CHECK(pmd_port_of("net_ism3") < 0, "  no port left behind");
	CHECK_EQ(ism_model_stat(FABRIC, &st), 0, "fabric readable");
	CHECK_EQ(st.functions, 1, "  only the good port is attached to it");
	if (good >= 0)
		rte_eth_dev_close((uint16_t)good);
	rte_vdev_uninit("net_ism2");
}

int
main(int argc, char **argv)
{
	char prefix[64], dir[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "128", "--no-pci", "-l", "0",
			"--file-prefix", prefix,
			"--vdev", "net_ism0,fabric=" FABRIC ",pair=e2e,queues= 4",
			"--vdev", "net_ism1,fabric=" FABRIC ",pair=e2e,fabric=other",
			"--vdev", "net_ism2,fabric=" FABRIC ",peer=any,queues=16" };

	(void)argc;
	snprintf(dir, sizeof(dir), "/dev/shm/ism-devargs.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! cannot create a fabric directory: %s\n",
		       strerror(errno));
		return 99;
	}
	setenv("ISM_MODEL_DIR", dir, 1);
	snprintf(prefix, sizeof(prefix), "ism-devargs-%d", (int)getpid());
	/* before rte_eal_init, so the probes of --vdev are captured too */
	if (pmd_log_start() != 0) {
		printf("Bail out! no log buffer\n");
		rmdir(dir);
		return 99;
	}
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("Bail out! EAL init failed\n%s\n", pmd_log_text());
		pmd_log_stop();
		rmdir(dir);
		return 99;
	}
	test_eal_probe();
	test_duplicates();
	test_syntax();
	test_ranges();
	test_names_and_macs();
	test_combinations();
	test_accepted();
	pmd_log_stop();
	rte_eal_cleanup();
	ism_model_unlink(FABRIC);
	ism_model_unlink("other");	/* made by a parser that lets the last fabric= win */
	if (rmdir(dir) != 0)
		check_diag("%s left behind: %s", dir, strerror(errno));
	return check_done();
}
