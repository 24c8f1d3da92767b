/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ISM_TRANSPORT_H
#define ISM_TRANSPORT_H

/**
 * @file
 * The transport: how lib/ism reaches one ISM function. Two implementations
 * exist: the vfio one (ism_vfio_pci device fd, drivers/bus/vfio_ism) and the
 * software model (lib/ism/model). lib/ism speaks the BAR-level protocol of
 * ism_proto.h over these calls and nothing else.
 *
 * Contract for implementations:
 *  - write() is one device store: 1..max_store bytes that do not cross a
 *    4 KiB boundary of @p off. It must be safe to call concurrently from
 *    several threads (lib/ism moves data from many lcores at once).
 *  - read() is used on BAR 2 only, with loads of at most 8 bytes.
 *  - dma_alloc() returns zeroed memory that the device may read and write,
 *    with its CPU address and its IOVA (the address given to the device).
 *    @p align is a power of two >= 4096; the block does not cross a multiple
 *    of @p align.
 *  - writev() is optional: the same single store of @p len bytes, gathered
 *    from the buffers @p iov, starting @p skip bytes into iov[0]. Without it
 *    lib/ism gathers them into a bounce buffer and calls write(): a
 *    transport that copies anyway (the model) saves a copy by offering it.
 *  - set_label() and find_peer() are optional: label discovery, for
 *    fabrics that have a directory of their functions (the software
 *    model). set_label() publishes a label (1..ISM_TRANSPORT_LABEL_MAX
 *    characters) for this
 *    function; find_peer() stores in @p gids the GIDs of at most @p n other
 *    live functions carrying @p label and returns how many there are (which
 *    may be more than @p n). Real hardware has no such directory: the vfio
 *    transport leaves both NULL, and a user gives the peer's GID instead.
 *  - all calls return 0 (or a count) or a negative errno.
 *  - close() is the last call on a transport; lib/ism makes it from
 *    ism_dev_close() (or from a failed ism_dev_open()).
 *
 * Thread safety for implementations: lib/ism calls read() only under its
 * per-device command lock, and irq_ack() from the one thread that polls.
 * write(), writev(), dma_alloc(), dma_free(), irq_fd(), set_label() and
 * find_peer() may come from several threads at once and must be safe so.
 * close() races with nothing.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/** Longest label set_label() takes, in characters. */
#define ISM_TRANSPORT_LABEL_MAX	31
/** Longest kind ism_transport_open() takes, in characters. */
#define ISM_TRANSPORT_KIND_MAX	15
/** Longest name ism_transport_open() takes, in characters. */
#define ISM_TRANSPORT_NAME_MAX	64

struct ism_transport;

/** A block of DMA memory of a transport (dma_alloc()). */
struct ism_dma {
	void *addr;		/**< CPU address */
	uint64_t iova;		/**< device address */
	size_t len;		/**< bytes */
};

/** The calls of a transport; the contract is the file's description. */
struct ism_transport_ops {
	/** One device store of @p len bytes at @p off of BAR @p bar. */
	int (*write)(struct ism_transport *t, unsigned int bar, uint64_t off,
		     const void *buf, size_t len);
	/** One load of at most 8 bytes at @p off of BAR @p bar (BAR 2). */
	int (*read)(struct ism_transport *t, unsigned int bar, uint64_t off,
		    void *buf, size_t len);
	/** Zeroed DMA memory of @p len bytes, aligned to @p align. */
	int (*dma_alloc)(struct ism_transport *t, size_t len, size_t align,
			 struct ism_dma *dma);
	/** Free a block of dma_alloc(); the device no longer uses it. */
	void (*dma_free)(struct ism_transport *t, struct ism_dma *dma);
	/** fd that becomes readable when the function's MSI fires, or -1 */
	int (*irq_fd)(struct ism_transport *t);
	/** consume pending interrupt notifications on irq_fd */
	void (*irq_ack)(struct ism_transport *t);
	/** Free the transport and everything it holds; the last call. */
	void (*close)(struct ism_transport *t);
	/** Optional: write() gathered from @p iov, @p skip bytes in. */
	int (*writev)(struct ism_transport *t, unsigned int bar, uint64_t off,
		      const struct iovec *iov, int iovcnt, size_t skip,
		      size_t len);
	/** Optional: publish @p label for this function. */
	int (*set_label)(struct ism_transport *t, const char *label);
	/** Optional: GIDs of up to @p n live functions labelled @p label. */
	int (*find_peer)(struct ism_transport *t, const char *label,
			 uint64_t *gids, int n);
};

/** One ISM function as a transport reaches it. An implementation embeds
 * it first in its own struct. */
struct ism_transport {
	const struct ism_transport_ops *ops; /**< its calls */
	const char *name;		/**< for log messages */
	uint32_t max_store;		/**< maxstbl, <= ISM_MAX_STORE */
};

/**
 * Transport providers: software ISM devices a program opens by kind and
 * name without linking against them, such as the model (kind "model",
 * name = fabric). A driver built for real hardware thus carries no
 * emulation in its code path: it asks for a kind, and the provider is
 * whatever library registered it.
 *
 * A provider registers itself, normally from a constructor of its
 * library. ism_transport_open() of a kind nobody registered loads
 * "libism_<kind>.so.0" once (shared builds only), whose constructor
 * registers it.
 */
struct ism_transport_provider {
	const char *kind;	/**< 1..ISM_TRANSPORT_KIND_MAX of [a-z0-9_] */
	/** Open function @p name; @p opts is provider-specific ("key=value,..."),
	 * NULL or "" for the defaults. Returns 0 or a negative errno and
	 * logs why through lib/ism's log function. */
	int (*open)(const char *name, const char *opts,
		    struct ism_transport **tp);
};

/**
 * Register a provider (kept by reference: static storage).
 *
 * @param p  the provider
 * @return 0; -EEXIST if the kind is taken; -ENOSPC past the table's few
 *   slots; -EINVAL for NULL, a NULL open() or a bad kind. Thread-safe.
 */
int ism_transport_provider_register(const struct ism_transport_provider *p);

/**
 * Open function @p name of a provider of @p kind.
 *
 * @param kind  the provider's kind, e.g. "model"
 * @param name  the function, in the provider's terms (the model: a fabric)
 * @param opts  provider-specific options, NULL or "" for the defaults
 * @param[out] tp  the transport, for ism_dev_open()
 * @return 0; -EINVAL for a bad kind, a NULL @p tp, or a name not of
 *   1..ISM_TRANSPORT_NAME_MAX characters; -ENOENT (logged with what to
 *   install or link) when no provider of @p kind exists; else what the
 *   provider's open() returns. Thread-safe.
 */
int ism_transport_open(const char *kind, const char *name, const char *opts,
		       struct ism_transport **tp);

#endif /* ISM_TRANSPORT_H */
