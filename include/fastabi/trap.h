/*
 * How a guest traps into the hypervisor for a FastABI call, and how it learns
 * which trap this hypervisor sees. Shared by guest code and the VMM.
 *
 * vmcall (Intel) and vmmcall (AMD) are FastABI's native traps. A hypervisor
 * that cannot see them (a userspace VMM on a KVM that handles vmcall in the
 * kernel) offers an I/O-port doorbell instead: `out %al, $FASTABI_DOORBELL_PORT`
 * exits to the VMM with every register intact and uses no register beyond
 * rax, so the FastABI convention is unchanged.
 *
 * Discovery: Xen's HVM CPUID leaf (base + 4) EAX bit 7 says FastABI is
 * served; EDX of the same leaf (reserved in Xen) lists the traps that reach
 * the hypervisor (FASTABI_CPUID_TRAP_*) and, for the doorbell, the port.
 * A guest picks one trap from that mask; the others may raise #UD.
 */
#ifndef FASTABI_TRAP_H
#define FASTABI_TRAP_H

enum fastabi_trap {
	FASTABI_TRAP_VMCALL = 0,   /* Intel VMX */
	FASTABI_TRAP_VMMCALL = 1,  /* AMD SVM */
	FASTABI_TRAP_DOORBELL = 2, /* out %al, $FASTABI_DOORBELL_PORT */
};

/* The doorbell port: an 8-bit immediate, free on PC-compatible machines. */
#define FASTABI_DOORBELL_PORT 0x99

/* HVM leaf (base + 4) EDX bits. */
#define FASTABI_CPUID_TRAP_VMCALL (1u << FASTABI_TRAP_VMCALL)
#define FASTABI_CPUID_TRAP_VMMCALL (1u << FASTABI_TRAP_VMMCALL)
#define FASTABI_CPUID_TRAP_DOORBELL (1u << FASTABI_TRAP_DOORBELL)
#define FASTABI_CPUID_DOORBELL_PORT_SHIFT 8 /* EDX[15:8]: the doorbell port */
#define FASTABI_CPUID_DOORBELL_PORT_MASK 0xffu

#endif
