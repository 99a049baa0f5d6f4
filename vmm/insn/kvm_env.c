/*
 * The VMM's side of the instruction engine: guest memory through gview
 * (the CPU's page walk, #PF error codes), the vCPU's XSAVE image and XCR0
 * through KVM's vCPU ioctls (only on this slow path: an instruction KVM
 * failed to emulate), exceptions handed to KVM through the sync-regs
 * events, and the per-class counters of --stats.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../vmm.h"
#include "insn.h"
#include "kvm_env.h"

_Static_assert(VMM_INSN_CLASSES == INSN_CLASSES, "vmm.h and insn.h disagree on the classes");

struct env_ctx {
	struct vmm_vcpu *vc;
	size_t xsave_size;
};

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;
static __thread uint8_t *tls_xsave;
static __thread size_t tls_xsave_size;

static void buf_init(void)
{
	pthread_key_create(&buf_key, free);
}

static size_t xsave_size(struct vmm_vcpu *vc)
{
	static __thread size_t size;
	if (!size) {
		int n = ioctl(vc->dom->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
		size = n > (int)sizeof(struct kvm_xsave) ? (size_t)n : sizeof(struct kvm_xsave);
	}
	return size;
}

static uint8_t *xsave_buf(size_t size)
{
	if (tls_xsave && tls_xsave_size >= size)
		return tls_xsave;
	pthread_once(&buf_once, buf_init);
	free(tls_xsave);
	tls_xsave = aligned_alloc(64, (size + 63) & ~(size_t)63);
	tls_xsave_size = tls_xsave ? size : 0;
	pthread_setspecific(buf_key, tls_xsave);
	return tls_xsave;
}

static int env_access(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		      uint64_t *fault_addr, uint32_t *pfec)
{
	struct env_ctx *e = ctx;
	struct kvm_run *run = e->vc->run;
	struct gview_fault f = { 0 };
	_Static_assert(INSN_ACC_WRITE == GVIEW_WRITE && INSN_ACC_PROBE == GVIEW_PROBE,
		       "access flags");
	int r = gview__access(e->vc->dom, &run->s.regs.sregs, run->s.regs.regs.rflags, la, buf,
			      len, flags, &f);
	*fault_addr = f.addr;
	*pfec = f.pfec;
	return r;
}

static int env_get_xsave(void *ctx, void *buf)
{
	struct env_ctx *e = ctx;
	unsigned long req = e->xsave_size > sizeof(struct kvm_xsave) ? KVM_GET_XSAVE2 : KVM_GET_XSAVE;
	return ioctl(e->vc->fd, req, buf) < 0 ? -1 : 0;
}

static int env_get_xcr0(void *ctx, uint64_t *xcr0)
{
	struct env_ctx *e = ctx;
	struct kvm_xcrs x;
	memset(&x, 0, sizeof(x));
	if (ioctl(e->vc->fd, KVM_GET_XCRS, &x) < 0)
		return -1;
	for (unsigned i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++) {
		if (x.xcrs[i].xcr == 0) {
			*xcr0 = x.xcrs[i].value;
			return 0;
		}
	}
	return -1;
}

static int env_set_xcr0(void *ctx, uint64_t xcr0)
{
	struct env_ctx *e = ctx;
	struct kvm_xcrs x;
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = xcr0;
	return ioctl(e->vc->fd, KVM_SET_XCRS, &x) < 0 ? -1 : 0;
}

static const struct kvm_cpuid_entry2 *cpuid_leaf(struct vmm *vmm, uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < vmm->cpuid->nent; i++)
		if (vmm->cpuid->entries[i].function == fn && vmm->cpuid->entries[i].index == idx)
			return &vmm->cpuid->entries[i];
	return NULL;
}

void insn_kvm__inject(struct vmm_vcpu *vc, const struct insn_event *ev)
{
	struct kvm_run *run = vc->run;
	struct kvm_vcpu_events *e = &run->s.regs.events;

	e->exception.injected = 1;
	e->exception.pending = 0;
	e->exception.nr = ev->vector;
	e->exception.has_error_code = ev->has_error;
	e->exception.error_code = ev->error_code;
	e->exception_has_payload = 0;
	e->exception_payload = 0;
	kvm_cpu__events_changed(vc);
	if (ev->set_cr2) {
		run->s.regs.sregs.cr2 = ev->cr2;
		vc->dirty |= KVM_SYNC_X86_SREGS;
	}
}

bool insn_kvm__execute(struct vmm_vcpu *vc, const struct insn_decoded *d, char *why,
		       size_t whylen)
{
	struct kvm_run *run = vc->run;
	struct env_ctx ec = { .vc = vc, .xsave_size = xsave_size(vc) };
	const struct kvm_cpuid_entry2 *d0 = cpuid_leaf(vc->dom->vmm, 0xd, 0);
	const struct kvm_cpuid_entry2 *d1 = cpuid_leaf(vc->dom->vmm, 0xd, 1);
	struct insn_env env = {
		.ctx = &ec,
		.access = env_access,
		.get_xsave = env_get_xsave,
		.get_xcr0 = env_get_xcr0,
		.set_xcr0 = env_set_xcr0,
		.xcr0_supported = d0 ? (d0->eax | (uint64_t)d0->edx << 32) : 3,
		.xgetbv1 = d1 && (d1->eax & 4),
	};
	uint8_t *xs = xsave_buf(ec.xsave_size);
	if (!xs) {
		snprintf(why, whylen, "out of memory for the XSAVE image");
		return false;
	}
	struct insn_cpu c = { .regs = &run->s.regs.regs, .sregs = &run->s.regs.sregs, .env = &env,
			      .xsave = xs };
	struct insn_event ev;
	enum insn_class cls = INSN_CLASS_EXCEPTION;
	enum insn_verdict v = insn__execute(&c, d, &ev, &cls, why, whylen);

	if (v == INSN_REFUSED)
		return false;
	if (c.xsave_dirty && ioctl(vc->fd, KVM_SET_XSAVE, xs) < 0) {
		snprintf(why, whylen, "KVM_SET_XSAVE: %s", strerror(errno));
		return false;
	}
	if (v == INSN_FAULT) {
		insn_kvm__inject(vc, &ev);
		insn_kvm__count(vc, cls == INSN_CLASS_VMX ? cls : INSN_CLASS_EXCEPTION);
		return true;
	}
	vc->dirty |= KVM_SYNC_X86_REGS;
	insn_kvm__count(vc, cls);
	return true;
}

void insn_kvm__count(struct vmm_vcpu *vc, enum insn_class cls)
{
	vc->nr_insn[cls]++;
}

void insn_kvm__report(const struct vmm_domain *vd, char *out, size_t len)
{
	size_t p = 0;
	out[0] = '\0';
	for (unsigned k = 0; k < INSN_CLASSES; k++) {
		uint64_t n = 0;
		for (unsigned i = 0; i < vd->nr_vcpus; i++)
			n += vd->vcpus[i].nr_insn[k];
		if (n && p < len)
			p += (size_t)snprintf(out + p, len - p, "%s%s %llu", p ? ", " : "",
					      insn_class_name[k], (unsigned long long)n);
	}
	if (!p)
		snprintf(out, len, "none");
}
