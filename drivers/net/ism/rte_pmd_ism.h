/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTE_PMD_ISM_H
#define RTE_PMD_ISM_H

/* net_ism specific calls: what the ethdev API cannot express. */

#include <stdint.h>

#include "ism.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GID of the ISM function behind the port; -ENODEV if not a net_ism port. */
int rte_pmd_ism_get_gid(uint16_t port_id, uint64_t *gid);

/* GID of the peer function (0 while not yet found). */
int rte_pmd_ism_get_peer(uint16_t port_id, uint64_t *peer_gid);

/* The lib/ism device of the port, e.g. to issue SMC-D style moves beside
 * the ethdev traffic; NULL if not a net_ism port. The port keeps owning it. */
struct ism_dev *rte_pmd_ism_get_dev(uint16_t port_id);

/* The peer's RX DMB of queue pair @queue_id (where our TX queue writes);
 * -ENOTCONN before the handshake delivered it. */
int rte_pmd_ism_get_peer_dmb(uint16_t port_id, uint16_t queue_id,
			     struct ism_rdmb *dmb);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_ISM_H */
