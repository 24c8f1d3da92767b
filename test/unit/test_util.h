/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdint.h>

#include "ism.h"
#include "ism_model.h"

/* Point ISM_MODEL_DIR at a fresh private directory removed at exit. */
void tu_private_fabric_dir(void);
/* Attach a function to @fabric and open it; aborts the test on failure. */
struct ism_dev *tu_open(const char *fabric);
/* Fill / verify the test pattern of message @seq. */
void tu_fill(void *buf, size_t len, uint64_t seq);
/* Index of the first differing byte, or -1. */
long tu_verify(const void *buf, size_t len, uint64_t seq);
#define TU_MAX_EVENTS 256
struct tu_events {
	int n;				/* delivered so far (may exceed the array) */
	struct ism_event ev[TU_MAX_EVENTS];
};
/* Poll @dev, appending events to @q, until it holds @want or @timeout_ms
 * passed; 0 or -ETIMEDOUT. */
int tu_collect(struct ism_dev *dev, struct tu_events *q, int want,
	       int timeout_ms);
/* Poll @dev until SBA bit @sba_idx is delivered; returns its mask or -1. */
int tu_wait_dmb(struct ism_dev *dev, unsigned int sba_idx, int timeout_ms);
uint64_t tu_now_ms(void);
void tu_sleep_ms(int ms);
/* A log function for ism_set_log_fn(): keeps the last library message in
 * tu_last_log and shows it as a TAP diagnostic. */
extern char tu_last_log[4096];
void tu_keep_log(int level, const char *msg);
/* Attach a function to fabric @name and close it again, with tu_last_log
 * cleared first; the attach's result. */
int tu_attach_close(const char *name, const struct ism_model_opts *o);



#include <sys/types.h>

/* Run @fn(@arg) in a child process; its return value is the exit code. */
pid_t tu_spawn(int (*fn)(void *), void *arg);
/* Wait up to @timeout_ms for @pid; exit code, 128+signal, or -ETIMEDOUT
 * (the child is then killed). */
int tu_reap(pid_t pid, int timeout_ms);
/* A pair of pipes for two processes to trade GIDs before they share
 * anything else. */
struct tu_chan {
	int down[2];	/* parent -> child */
	int up[2];	/* child -> parent */
};
void tu_chan_init(struct tu_chan *c);
void tu_chan_send(int fd, uint64_t v);
uint64_t tu_chan_recv(int fd);
#endif /* TEST_UTIL_H */
