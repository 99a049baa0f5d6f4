/*
 * The VMM's exit handling on made-up exits (as Firecracker tests its exit
 * dispatch): a domain of the core with RAM but no KVM VM, one vCPU whose
 * kvm_run is a buffer of ours, and exit__handle deciding. Only paths that
 * need no vCPU ioctl are here: ports, MMIO, MSRs, the doorbell, and the
 * exits that crash the domain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <xen/xen.h>
#include <xen/version.h>

#include <fastabi/x86.h>

#include "vmm.h"
#include "../long_mode.h"
#include "version.h"

#define RUN_SIZE (3 * 4096)
#define DATA_OFFSET 4096u

static struct vmm vmm;

struct world {
	struct vmm_domain *vd;
	struct vmm_vcpu *vc;
	struct kvm_run *run;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(vmm__init(&vmm), 0);

	struct vmm_domain_config cfg = vmm_domain_config__default("exit-test.elf");
	cfg.name = "exit-test";
	cfg.memory_mib = 4;
	struct vmm_domain *vd = vmm_domain__new(&vmm, &cfg);
	assert_non_null(vd);
	struct vmm_vcpu *vc = &vd->vcpus[0];
	vc->run = aligned_alloc(4096, RUN_SIZE);
	assert_non_null(vc->run);
	memset(vc->run, 0, RUN_SIZE);
	vc->started = true;
	vmm.doms[hv_domain__id(vd->d)] = vd;
	vmm.nr_running = 1;

	w->vd = vd;
	w->vc = vc;
	w->run = vc->run;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	free(w->run);
	w->vc->run = NULL; /* ours, not KVM's mapping */
	vmm__destroy(&vmm);
	free(w);
	return 0;
}

/* An out or in of count elements of size bytes on port; the data area is returned. */
static uint8_t *io(struct world *w, uint8_t dir, uint16_t port, unsigned size, unsigned count,
		   const void *data)
{
	struct kvm_run *run = w->run;
	uint8_t *p = (uint8_t *)run + DATA_OFFSET;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = dir;
	run->io.port = port;
	run->io.size = (uint8_t)size;
	run->io.count = count;
	run->io.data_offset = DATA_OFFSET;
	memset(p, 0x5a, 64);
	if (data)
		memcpy(p, data, (size_t)size * count);
	exit__handle(w->vc);
	return p;
}

static void assert_running(struct world *w)
{
	assert_false(vmm_domain__stopping(w->vd));
}

static void assert_stopped(struct world *w, int status, const char *why)
{
	assert_true(vmm_domain__stopping(w->vd));
	assert_int_equal(w->vd->exit_status, status);
	assert_string_equal(w->vd->stop_why, why);
}

static void console_out_goes_to_console(void **state)
{
	struct world *w = *state;

	io(w, KVM_EXIT_IO_OUT, VMM_CONSOLE_PORT, 1, 1, "h");
	io(w, KVM_EXIT_IO_OUT, VMM_CONSOLE_PORT, 1, 2, "ey"); /* rep outsb */
	assert_int_equal(w->vd->console.len, 3);
	assert_memory_equal(w->vd->console.line, "hey", 3);
	assert_int_equal(w->vc->nr_exits, 2);
	assert_running(w);
}

static void console_in_reads_e9(void **state)
{
	struct world *w = *state;
	uint8_t *p = io(w, KVM_EXIT_IO_IN, VMM_CONSOLE_PORT, 1, 3, NULL);

	assert_int_equal(p[0], 0xe9);
	assert_int_equal(p[2], 0xe9);
	assert_int_equal(p[3], 0x5a); /* nothing beyond the access */
}

static void unknown_port_is_ignored(void **state)
{
	struct world *w = *state;

	io(w, KVM_EXIT_IO_OUT, 0x80, 1, 1, "x");
	io(w, KVM_EXIT_IO_OUT, 0x3f8, 4, 1, "abcd");
	assert_int_equal(w->vd->console.len, 0);
	assert_int_equal(w->vc->nr_hypercalls, 0);
	assert_running(w);
	uint8_t *p = io(w, KVM_EXIT_IO_IN, 0x80, 2, 1, NULL);
	assert_int_equal(p[0], 0xff);
	assert_int_equal(p[1], 0xff);
	assert_int_equal(p[2], 0x5a);
	/* Nothing answers on the doorbell and result ports either. */
	p = io(w, KVM_EXIT_IO_IN, FASTABI_DOORBELL_PORT, 1, 1, NULL);
	assert_int_equal(p[0], 0xff);
	p = io(w, KVM_EXIT_IO_IN, VMM_RESULT_PORT, 4, 1, NULL);
	assert_int_equal(p[3], 0xff);
	assert_running(w);
}

static void result_success(void **state)
{
	struct world *w = *state;
	uint32_t v = VMM_RESULT_SUCCESS;

	io(w, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 4, 1, &v);
	assert_stopped(w, VMM_EXIT_SUCCESS, "test result SUCCESS");
}

static void result_each_status(void **state)
{
	struct world *w = *state;
	/* The last element of a rep outs counts, and only its first four bytes. */
	uint8_t b[2] = { VMM_RESULT_SUCCESS, VMM_RESULT_FAILURE };

	io(w, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 1, 2, b);
	assert_stopped(w, VMM_EXIT_FAILURE, "test result FAILURE");
	/* The first stop wins. */
	uint32_t v = VMM_RESULT_SKIP;
	io(w, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 4, 1, &v);
	assert_stopped(w, VMM_EXIT_FAILURE, "test result FAILURE");
}

/* SKIP in a 16-bit write, ERROR in a byte: the width does not matter. */
static void result_skip(void **state)
{
	struct world *w = *state;
	uint16_t v = VMM_RESULT_SKIP;

	io(w, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 2, 1, &v);
	assert_stopped(w, VMM_EXIT_SKIP, "test result SKIP");
}

static void result_error(void **state)
{
	uint8_t v = VMM_RESULT_ERROR;

	io(*state, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 1, 1, &v);
	assert_stopped(*state, VMM_EXIT_ERROR, "test result ERROR");
}

static void result_unknown(void **state)
{
	struct world *w = *state;
	uint32_t v = 9;

	io(w, KVM_EXIT_IO_OUT, VMM_RESULT_PORT, 4, 1, &v);
	char why[160];
	snprintf(why, sizeof(why),
		 "unknown test result 0x9 on port %#x (0 SUCCESS, 1 SKIP, 2 ERROR, 3 FAILURE)",
		 VMM_RESULT_PORT);
	assert_stopped(w, VMM_EXIT_ERROR, why);
}

/* A 64-bit kernel at CPL0 with paging, as the doorbell's ABI test wants it. */
static void long_mode(struct world *w)
{
	long_mode_sregs(&w->run->s.regs.sregs);
}

static void doorbell_reaches_core(void **state)
{
	struct world *w = *state;
	struct kvm_regs *r = &w->run->s.regs.regs;

	long_mode(w);
	r->rax = __HYPERVISOR_xen_version;
	r->rdi = XENVER_version;
	r->rip = 0x1000;
	r->rbx = 0x1234;
	io(w, KVM_EXIT_IO_OUT, FASTABI_DOORBELL_PORT, 1, 1, "\0");
	assert_int_equal(w->vc->nr_hypercalls, 1);
	assert_int_equal(r->rax, (uint64_t)(HV_XEN_MAJOR << 16 | HV_XEN_MINOR));
	assert_int_equal(r->rbx, 0x1234); /* the rest as it was */
	assert_true(w->vc->dirty & KVM_SYNC_X86_REGS); /* handed back at the next entry */
	assert_running(w);
}

static void doorbell_wider_is_not_a_call(void **state)
{
	struct world *w = *state;
	struct kvm_regs *r = &w->run->s.regs.regs;

	long_mode(w);
	r->rax = __HYPERVISOR_xen_version;
	io(w, KVM_EXIT_IO_OUT, FASTABI_DOORBELL_PORT, 2, 1, "\0\0");
	io(w, KVM_EXIT_IO_OUT, FASTABI_DOORBELL_PORT, 1, 2, "\0\0");
	assert_int_equal(w->vc->nr_hypercalls, 0);
	assert_int_equal(r->rax, __HYPERVISOR_xen_version);
	assert_int_equal(w->vc->dirty, 0);
}

static void mmio_to_nothing_reads_ones(void **state)
{
	struct world *w = *state;
	struct kvm_run *run = w->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xfed00000ull;
	run->mmio.len = 4;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	exit__handle(w->vc);
	assert_memory_equal(run->mmio.data, "\xff\xff\xff\xff\0\0\0\0", 8);
	/* A write there vanishes. */
	run->mmio.is_write = 1;
	exit__handle(w->vc);
	assert_running(w);
}

static void mmio_to_ram_is_served(void **state)
{
	struct world *w = *state;
	struct kvm_run *run = w->run;

	/* A page whose memslot is being moved: the core's map still serves it. */
	memcpy(w->vd->ram + 0x3000, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0x3002;
	run->mmio.len = 2;
	exit__handle(w->vc);
	assert_memory_equal(run->mmio.data, "\x33\x44", 2);
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, "\xaa\xbb", 2);
	exit__handle(w->vc);
	assert_memory_equal(w->vd->ram + 0x3000, "\x11\x22\xaa\xbb\x55", 5);
}

static void msr(struct world *w, uint32_t reason, uint32_t index, uint64_t data)
{
	struct kvm_run *run = w->run;

	run->exit_reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	run->msr.error = 0xee;
	exit__handle(w->vc);
}

static void wrmsr_hypercall_page(void **state)
{
	struct world *w = *state;
	const uint8_t *page = w->vd->ram + 0x2000;

	msr(w, KVM_EXIT_X86_WRMSR, VMM_HYPERCALL_MSR, 0x2000);
	assert_int_equal(w->run->msr.error, 0);
	/* Entry 17: mov $17, %eax; out %al, $doorbell; ret. */
	const uint8_t *e = page + 17 * 32;
	const uint8_t want[] = { 0xb8, 17, 0, 0, 0, 0xe6, FASTABI_DOORBELL_PORT, 0xc3 };
	assert_memory_equal(e, want, sizeof(want));
	assert_int_equal(page[8], 0xcc);
	assert_running(w);
}

static void wrmsr_refused(void **state)
{
	struct world *w = *state;

	/* Page index 1: Xen has one hypercall page (#GP). */
	msr(w, KVM_EXIT_X86_WRMSR, VMM_HYPERCALL_MSR, 0x2001);
	assert_int_equal(w->run->msr.error, 1);
	/* Not guest RAM. */
	msr(w, KVM_EXIT_X86_WRMSR, VMM_HYPERCALL_MSR, 0xfed00000ull);
	assert_int_equal(w->run->msr.error, 1);
	/* Another MSR of Xen's range. */
	msr(w, KVM_EXIT_X86_WRMSR, VMM_XEN_MSR_FIRST + 1, 0);
	assert_int_equal(w->run->msr.error, 1);
	for (unsigned i = 0; i < 4096; i++)
		assert_int_equal(w->vd->ram[0x2000 + i], 0);
	assert_running(w);
}

static void rdmsr(void **state)
{
	struct world *w = *state;

	msr(w, KVM_EXIT_X86_RDMSR, VMM_HYPERCALL_MSR, 0x1234);
	assert_int_equal(w->run->msr.error, 0);
	assert_int_equal(w->run->msr.data, 0);
	msr(w, KVM_EXIT_X86_RDMSR, VMM_XEN_MSR_FIRST + 0x2ff, 0);
	assert_int_equal(w->run->msr.error, 1);
}

static void crash_exit(struct world *w, uint32_t reason)
{
	w->run->exit_reason = reason;
	exit__handle(w->vc);
}

static void unknown_exit_crashes(void **state)
{
	struct world *w = *state;

	crash_exit(w, 1234);
	assert_stopped(w, VMM_EXIT_CRASH, "vCPU 0: unhandled KVM exit reason 1234");
}

static void triple_fault_crashes(void **state)
{
	struct world *w = *state;

	crash_exit(w, KVM_EXIT_SHUTDOWN);
	assert_stopped(w, VMM_EXIT_CRASH, "vCPU 0: triple fault (KVM_EXIT_SHUTDOWN)");
}

static void entry_failure_crashes(void **state)
{
	struct world *w = *state;

	w->run->fail_entry.hardware_entry_failure_reason = 0x21;
	crash_exit(w, KVM_EXIT_FAIL_ENTRY);
	assert_stopped(w, VMM_EXIT_CRASH,
		       "vCPU 0: KVM could not enter the guest (hardware entry failure reason 0x21)");
}

static void internal_error_crashes(void **state)
{
	struct world *w = *state;

	w->run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	crash_exit(w, KVM_EXIT_INTERNAL_ERROR);
	char why[80];
	snprintf(why, sizeof(why), "vCPU 0: KVM internal error, suberror %u",
		 KVM_INTERNAL_ERROR_SIMUL_EX);
	assert_stopped(w, VMM_EXIT_CRASH, why);
}

static void unreadable_instruction_crashes(void **state)
{
	struct world *w = *state;

	/* Emulation failed at an address that is not guest memory: no bytes to complete. */
	long_mode(w);
	w->run->s.regs.sregs.cr0 = X86_CR0_PE; /* no paging: the linear address is physical */
	w->run->s.regs.sregs.efer = 0;
	w->run->s.regs.sregs.cs.l = 0;
	w->run->s.regs.sregs.cs.base = 0;
	w->run->s.regs.regs.rip = 0xfed00000ull;
	w->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	crash_exit(w, KVM_EXIT_INTERNAL_ERROR);
	assert_stopped(w, VMM_EXIT_CRASH,
		       "vCPU 0: KVM cannot emulate the instruction at rip 0xfed00000 (bytes:): "
		       "the instruction bytes are not readable");
}

static void interrupted_run_is_nothing(void **state)
{
	struct world *w = *state;

	crash_exit(w, KVM_EXIT_INTR);
	assert_running(w);
	assert_int_equal(w->vc->nr_exits, 1);
}

static void registry_refuses_overlaps(void **state)
{
	static const struct ioport_ops other = { .name = "other" };
	(void)state;

	/* vmm__init registered the VMM's three ports. */
	assert_ptr_equal(ioport__find(VMM_CONSOLE_PORT), &term__port);
	assert_ptr_equal(ioport__find(FASTABI_DOORBELL_PORT), &hypercall__port);
	assert_ptr_equal(ioport__find(VMM_RESULT_PORT), &vmm_domain__result_port);
	assert_null(ioport__find(0x80));
	assert_int_equal(ioport__register(VMM_CONSOLE_PORT - 1, 2, &other), -1);
	assert_int_equal(ioport__register(0xfff0, 0x20, &other), -1);
	assert_int_equal(ioport__register(0x80, 0, &other), -1);
	assert_int_equal(ioport__register(0x80, 2, &other), 0);
	assert_ptr_equal(ioport__find(0x81), &other);
	assert_null(ioport__find(0x82));
	/* And the backends: console, then xenstore (the --stats order). */
	assert_int_equal(backend__count(), 2);
	assert_ptr_equal(backend__get(0), &xencons__backend);
	assert_ptr_equal(backend__get(1), &xenstore__backend);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(console_out_goes_to_console),
		T(console_in_reads_e9),
		T(unknown_port_is_ignored),
		T(result_success),
		T(result_each_status),
		T(result_skip),
		T(result_error),
		T(result_unknown),
		T(doorbell_reaches_core),
		T(doorbell_wider_is_not_a_call),
		T(mmio_to_nothing_reads_ones),
		T(mmio_to_ram_is_served),
		T(wrmsr_hypercall_page),
		T(wrmsr_refused),
		T(rdmsr),
		T(unknown_exit_crashes),
		T(triple_fault_crashes),
		T(entry_failure_crashes),
		T(internal_error_crashes),
		T(unreadable_instruction_crashes),
		T(interrupted_run_is_nothing),
		T(registry_refuses_overlaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
