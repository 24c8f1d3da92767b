/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Consuming what the device wrote: SBA bits (data arrived with sf) and IEQ
 * entries (events). The device updates this memory concurrently, so every
 * access that clears a bit is atomic, and the order follows the device
 * contract: clear the summary bit first, then each DMB bit and its mask, so
 * that a store racing with the scan re-arms the summary bit.
 */
#include <string.h>

#include "ism_private.h"

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

int
ism_poll_sba(struct ism_dev *dev, ism_dmb_cb cb, void *arg)
{
	struct ism_sba *sba = dev->sba;
	int delivered = 0;

	if (!(LOAD_ACQ(&sba->flags) & ISM_SBA_S))
		return 0;
	__atomic_fetch_and(&sba->flags, (uint8_t)~ISM_SBA_S, __ATOMIC_ACQ_REL);

	for (unsigned int byte = ISM_SBA_IDX_FIRST / 8;
	     byte < sizeof(sba->dmb_bits); byte++) {
		uint8_t bits;

		if (LOAD_ACQ(&sba->dmb_bits[byte]) == 0)
			continue;
		bits = __atomic_exchange_n(&sba->dmb_bits[byte], 0,
					   __ATOMIC_ACQ_REL);
		for (unsigned int bit = 0; bit < 8; bit++) {
			unsigned int idx = byte * 8 + bit;
			ism_be16_t mask;

			if (!(bits & (0x80u >> bit)))
				continue;
			mask.raw = __atomic_exchange_n(&sba->dmbe_mask[idx].raw,
						       0, __ATOMIC_ACQ_REL);
			if (cb != NULL)
				cb(arg, idx, ism_cpu16(mask));
			delivered++;
		}
	}
	return delivered;
}

static void
decode_event(const struct ism_ieq_entry *e, struct ism_event *ev)
{
	ev->type = ism_cpu32(e->type);
	ev->code = ism_cpu32(e->code);
	ev->tok = ism_cpu64(e->tok);
	ev->time = ism_cpu64(e->time);
	ev->info = ism_cpu64(e->info);
}

int
ism_poll_events(struct ism_dev *dev, ism_event_cb cb, void *arg)
{
	struct ism_ieq *ieq = dev->ieq;
	struct ism_ieq_entry *e;
	struct ism_event ev;
	ism_be64_t idx;
	int delivered = 0;

	if (LOAD_ACQ(&dev->sba->flags) & ISM_SBA_E)
		__atomic_fetch_and(&dev->sba->flags, (uint8_t)~ISM_SBA_E,
				   __ATOMIC_ACQ_REL);
	/* At most one ring's worth per call: the device may move idx while
	 * we read, and an index we can never catch up with (0 after events)
	 * must not keep us here. */
	while (delivered < ISM_IEQ_ENTRIES) {
		idx.raw = LOAD_ACQ(&ieq->hdr.idx.raw);
		if (ism_cpu64(idx) > ISM_IEQ_ENTRIES) {
			ISM_ERR("%s: device wrote IEQ index %llu (max %u); events lost",
				dev->t->name,
				(unsigned long long)ism_cpu64(idx),
				ISM_IEQ_ENTRIES);
			return delivered;
		}
		if ((uint64_t)(dev->ieq_cursor + 1) == ism_cpu64(idx))
			break;
		if (ism_cpu64(idx) == 0) {
			/* only before the first event; the queue was reset */
			ISM_WARN("%s: IEQ index went back to 0 after %llu events; reading from the start again",
				 dev->t->name,
				 (unsigned long long)dev->stats.events);
			dev->ieq_cursor = -1;
			break;
		}
		dev->ieq_cursor++;
		if (dev->ieq_cursor == ISM_IEQ_ENTRIES)
			dev->ieq_cursor = 0;
		e = &ieq->entry[dev->ieq_cursor];
		decode_event(e, &ev);	/* the IEQ is the device's: read only */
		dev->stats.events++;
		delivered++;
		if (cb != NULL)
			cb(arg, &ev);
	}
	return delivered;
}

int
ism_poll(struct ism_dev *dev, ism_dmb_cb dmb_cb, ism_event_cb ev_cb,
	 void *arg)
{
	int n = ism_poll_sba(dev, dmb_cb, arg);

	return n + ism_poll_events(dev, ev_cb, arg);
}
