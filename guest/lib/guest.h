/*
 * The guest library in one include: what a test program needs. Build flags
 * set __XEN_INTERFACE_VERSION__ to the newest interface for every file, the
 * same choice the generated FastABI stubs and the hypervisor make.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "compiler.h" /* <stdint.h> and friends, before the Xen headers */

#ifdef __x86_64__
/* First: it insists on choosing the Xen interface version itself. */
#include "fastabi.h"
#include "fastabi_raw.h"
#endif

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>

#include <fastabi/ops.h>
#include <fastabi/test.h>
#include <fastabi/trap.h>
#include <fastabi/xen-ext.h>

#include "../boot/boot.h"
#include "apic.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#include "start_info.h"
#include "string.h"
#include "test.h"
#include "traps.h"
#include "vcpu.h"
#include "xen.h"
#include "xenmem.h"

#endif
