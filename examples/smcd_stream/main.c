/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * smcd_stream: which sides run where. By default this process is the
 * sender and a forked child the receiver; the two GIDs are traded over a
 * pipe, the only thing the processes share besides ISM. With --role this
 * process runs one side and the peer's GID is given (two LPARs).
 * See smcd_stream.h for the stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ism_model.h"
#include "smcd_stream.h"

/* Child: open, trade GIDs, connect, receive; report through @res_fd. */
static int
receiver_main(const struct opts *o, const struct endpoint *ep, int gid_in,
	      int gid_out, int res_fd)
{
	struct result res = { 0 };
	struct side s;
	uint64_t gid;

	res.rc = side_open(&s, ep);
	if (res.rc == 0) {
		gid = ism_dev_gid(s.dev);
		if (write(gid_out, &gid, sizeof(gid)) != sizeof(gid) ||
		    read(gid_in, &s.peer, sizeof(s.peer)) != sizeof(s.peer))
			res.rc = -EPIPE;
	}
	if (res.rc == 0)
		res.rc = side_connect(&s, o->dmb_size, o->wait_ns);
	if (res.rc == 0)
		res.rc = run_receiver(&s, o, &res);
	side_close(&s);
	return write(res_fd, &res, sizeof(res)) == sizeof(res) &&
		stream_ok(NULL, &res) ? 0 : 1;
}

/* Both sides: the sender here, the receiver in a child. */
static int
run_forked(struct opts *o)
{
	struct endpoint tx_ep = { o->fabric, o->dev[0], o->path, o->hugepages };
	struct endpoint rx_ep = { o->fabric, o->dev[1], o->path, o->hugepages };
	struct result tx = { 0 }, rx = { 0 };
	char own_fabric[64], what[96];
	int down[2], up[2], res[2], status = 0, rc;
	pid_t parent = getpid(), pid;
	struct side s;

	if (o->ndev == 0 && o->fabric == NULL) {
		snprintf(own_fabric, sizeof(own_fabric), "smcd-stream-%d", (int)getpid());
		o->fabric = tx_ep.fabric = rx_ep.fabric = own_fabric;
	}
	if (pipe(down) < 0 || pipe(up) < 0 || pipe(res) < 0) {
		perror(PROG ": pipe");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror(PROG ": fork");
		return 1;
	}
	if (pid == 0) {
		/* a receiver without its sender has nothing to do: go with it */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		close(down[1]);
		close(up[0]);
		close(res[0]);
		_exit(receiver_main(o, &rx_ep, down[0], up[1], res[1]));
	}
	/* the child's ends: a child that dies then reads as end of file */
	close(down[0]);
	close(up[1]);
	close(res[1]);

	rc = side_open(&s, &tx_ep);
	if (rc == 0) {
		uint64_t gid = ism_dev_gid(s.dev);

		if (read(up[0], &s.peer, sizeof(s.peer)) != sizeof(s.peer) ||
		    write(down[1], &gid, sizeof(gid)) != sizeof(gid))
			rc = -EPIPE;
	}
	if (rc == 0) {
		printf(PROG ": sender gid %016" PRIx64 ", receiver gid %016" PRIx64 " (pid %d)\n",
		       ism_dev_gid(s.dev), s.peer, (int)pid);
		fflush(stdout);
		rc = side_connect(&s, CTRL_LEN, o->wait_ns);
	}
	if (rc == 0)
		rc = run_sender(&s, o, &tx);
	tx.rc = rc;
	close(down[1]);
	if (read(res[0], &rx, sizeof(rx)) != sizeof(rx))
		rx.rc = -EPIPE;
	waitpid(pid, &status, 0);
	side_close(&s);
	if (o->fabric == own_fabric)
		ism_model_unlink(o->fabric);
	if (rc < 0 || rx.rc < 0) {
		fprintf(stderr, PROG ": failed: sender %s, receiver %s\n",
			strerror(-rc), strerror(-rx.rc));
		return 1;
	}
	if (o->ndev == 2)
		snprintf(what, sizeof(what), "functions %s -> %s", o->dev[0], o->dev[1]);
	else
		snprintf(what, sizeof(what), "fabric '%s'", o->fabric);
	print_table(o, what, &tx, &rx);
	return stream_ok(&tx, &rx) && WIFEXITED(status) &&
		WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* One side; the peer runs elsewhere. */
static int
run_role(const struct opts *o)
{
	struct endpoint ep = { o->fabric, o->dev[0], o->path, o->hugepages };
	bool send = o->role == ROLE_SEND;
	struct result r = { 0 };
	char name[64], what[128];
	struct side s;

	if (side_open(&s, &ep) < 0)
		return 1;
	s.peer = o->peer;
	endpoint_name(&ep, name, sizeof(name));
	if (o->peer != 0)
		printf(PROG ": %s on %s, gid %016" PRIx64 "; peer gid %016" PRIx64 "\n",
		       send ? "sender" : "receiver", name, ism_dev_gid(s.dev), o->peer);
	else
		printf(PROG ": %s on %s, gid %016" PRIx64 "; peer: any, waiting up to %" PRIu64 " s\n",
		       send ? "sender" : "receiver", name, ism_dev_gid(s.dev),
		       o->wait_ns / NS_PER_S);
	fflush(stdout);
	r.rc = side_connect(&s, send ? CTRL_LEN : o->dmb_size, o->wait_ns);
	if (r.rc == 0)
		r.rc = send ? run_sender(&s, o, &r) : run_receiver(&s, o, &r);
	side_close(&s);
	if (r.rc < 0) {
		fprintf(stderr, PROG ": %s failed: %s\n", send ? "sender" : "receiver",
			strerror(-r.rc));
		return 1;
	}
	snprintf(what, sizeof(what), "%s, peer gid %016" PRIx64, name, s.peer);
	print_table(o, what, send ? &r : NULL, send ? NULL : &r);
	return stream_ok(send ? &r : NULL, send ? NULL : &r) ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.messages = 200000, .dmb_size = 262144, .max_msg = 8192,
		.wait_ns = TIMEOUT_NS,
	};

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	return o.role == ROLE_BOTH ? run_forked(&o) : run_role(&o);
}
