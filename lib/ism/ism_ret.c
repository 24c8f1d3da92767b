/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "ism.h"

static const struct {
	unsigned int ret;
	int err;
	const char *name;
} ret_table[] = {
	{ ISM_RET_OK,		0,		"OK" },
	{ ISM_RET_BAD_LEN,	EINVAL,		"BAD_LEN" },
	{ ISM_RET_BAD_CMD,	EOPNOTSUPP,	"BAD_CMD" },
	{ ISM_RET_BAD_PARAM,	EINVAL,		"BAD_PARAM" },
	{ ISM_RET_NO_SPACE,	ENOSPC,		"NO_SPACE" },
	{ ISM_RET_BUSY,		EBUSY,		"BUSY" },
	{ ISM_RET_NO_DMB,	ENOENT,		"NO_DMB" },
	{ ISM_RET_NO_GID,	EHOSTUNREACH,	"NO_GID" },
	{ ISM_RET_BAD_ADDR,	EFAULT,		"BAD_ADDR" },
	{ ISM_RET_VLAN,		ENETUNREACH,	"VLAN" },
	{ ISM_RET_NOT_READY,	ENOTCONN,	"NOT_READY" },
	{ ISM_RET_NO_VLAN,	ENOENT,		"NO_VLAN" },
	{ ISM_RET_GENERIC,	EIO,		"GENERIC" },
	{ ISM_RET_NO_ANSWER,	EIO,		"NO_ANSWER" },
};

int
ism_ret_to_errno(unsigned int ret)
{
	for (size_t i = 0; i < sizeof(ret_table) / sizeof(ret_table[0]); i++)
		if (ret_table[i].ret == ret)
			return -ret_table[i].err;
	return -EIO;
}

const char *
ism_ret_name(unsigned int ret)
{
	for (size_t i = 0; i < sizeof(ret_table) / sizeof(ret_table[0]); i++)
		if (ret_table[i].ret == ret)
			return ret_table[i].name;
	return "UNKNOWN";
}

const char *
ism_cmd_name(unsigned int cmd)
{
	switch (cmd) {
	case ISM_CMD_REG_SBA: return "REG_SBA";
	case ISM_CMD_REG_IEQ: return "REG_IEQ";
	case ISM_CMD_READ_GID: return "READ_GID";
	case ISM_CMD_ADD_VLAN_ID: return "ADD_VLAN_ID";
	case ISM_CMD_DEL_VLAN_ID: return "DEL_VLAN_ID";
	case ISM_CMD_SET_VLAN: return "SET_VLAN";
	case ISM_CMD_RESET_VLAN: return "RESET_VLAN";
	case ISM_CMD_QUERY_INFO: return "QUERY_INFO";
	case ISM_CMD_QUERY_RGID: return "QUERY_RGID";
	case ISM_CMD_REG_DMB: return "REG_DMB";
	case ISM_CMD_UNREG_DMB: return "UNREG_DMB";
	case ISM_CMD_SIGNAL_IEQ: return "SIGNAL_IEQ";
	case ISM_CMD_UNREG_SBA: return "UNREG_SBA";
	case ISM_CMD_UNREG_IEQ: return "UNREG_IEQ";
	default: return "UNKNOWN";
	}
}
