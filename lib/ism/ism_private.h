/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_PRIVATE_H
#define ISM_PRIVATE_H

#include <pthread.h>

#include "ism.h"

struct ism_dev {
	struct ism_transport *t;
	pthread_mutex_t lock;		/* one command in flight; DMB table */
	uint64_t gid;
	unsigned int last_ret;		/* raw ret of the last command, or NO_ANSWER */
	struct ism_dma sba_dma;
	struct ism_dma ieq_dma;
	struct ism_sba *sba;
	struct ism_ieq *ieq;
	int ieq_cursor;			/* last IEQ entry consumed, -1 at start */
	struct ism_dmb *dmbs[ISM_NR_SBA_BITS];	/* by SBA index */
	/* SBA indexes the device holds under no token we could retry with */
	uint8_t sba_lost[ISM_NR_SBA_BITS / 8];
	struct ism_dev_stats stats;
};

void ism_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ISM_ERR(...) ism_log(ISM_LOG_ERR, __VA_ARGS__)
#define ISM_WARN(...) ism_log(ISM_LOG_WARNING, __VA_ARGS__)
#define ISM_INFO(...) ism_log(ISM_LOG_INFO, __VA_ARGS__)
#define ISM_DEBUG(...) ism_log(ISM_LOG_DEBUG, __VA_ARGS__)

/*
 * Issue one command: body at BAR-2 offset 8, header at 0, response header
 * and (on success) body read back with 8-byte loads. @req starts with a
 * struct ism_req_hdr whose cmd and len are filled in here; @resp with a
 * struct ism_resp_hdr. The body read is as long as the response header
 * says, at most @resp_len - 8 bytes; the rest of @resp is zeroed. Until an
 * answer is read @resp says ISM_RET_GENERIC. A header len outside 8..4096
 * is -EPROTO. Caller holds dev->lock.
 */
int ism_cmd_locked(struct ism_dev *dev, unsigned int cmd, void *req,
		   size_t req_len, void *resp, size_t resp_len);
/* Same, taking dev->lock. */
int ism_cmd(struct ism_dev *dev, unsigned int cmd, void *req, size_t req_len,
	    void *resp, size_t resp_len);
/* A command whose request body is one u64 and whose response is empty. */
int ism_cmd_u64(struct ism_dev *dev, unsigned int cmd, uint64_t value);

void ism_dmb_release_all(struct ism_dev *dev);

#endif /* ISM_PRIVATE_H */
