/*
 * insn_exec__run(struct insn_host_ctx *ctx): run one guest instruction on
 * the host CPU (simd.c). Saves the host's extended state, loads the guest's
 * (only the components in guest_mask), loads the guest's status flags and
 * general registers, calls the slot (the re-encoded instruction followed by
 * ret), stores the registers and flags back, saves the guest's state and
 * restores the host's. rsp is never a guest register: simd.c remaps it.
 *
 * Layout of the context (simd.c checks it with static asserts):
 *   0   gpr[16] (rax rcx rdx rbx rsp rbp rsi rdi r8..r15)
 *   128 rflags   136 slot   144 host_area   152 guest_area
 *   160 host_mask   168 guest_mask
 */
#define STATUS_FLAGS 0x8d5

	.text
	.globl insn_exec__run
	.type insn_exec__run, @function
insn_exec__run:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov %rdi, %rbx

	mov 160(%rbx), %eax
	mov 164(%rbx), %edx
	mov 144(%rbx), %rcx
	xsave64 (%rcx)
	mov 168(%rbx), %eax
	mov 172(%rbx), %edx
	mov 152(%rbx), %rcx
	xrstor64 (%rcx)

	pushfq
	pop %rax
	and $~STATUS_FLAGS, %rax
	mov 128(%rbx), %rcx
	and $STATUS_FLAGS, %rcx
	or %rcx, %rax
	push %rax
	popfq

	push 136(%rbx)
	mov 0(%rbx), %rax
	mov 8(%rbx), %rcx
	mov 16(%rbx), %rdx
	mov 40(%rbx), %rbp
	mov 48(%rbx), %rsi
	mov 56(%rbx), %rdi
	mov 64(%rbx), %r8
	mov 72(%rbx), %r9
	mov 80(%rbx), %r10
	mov 88(%rbx), %r11
	mov 96(%rbx), %r12
	mov 104(%rbx), %r13
	mov 112(%rbx), %r14
	mov 120(%rbx), %r15
	mov 24(%rbx), %rbx
	call *(%rsp)

	push %rbx
	mov 16(%rsp), %rbx
	mov %rax, 0(%rbx)
	mov %rcx, 8(%rbx)
	mov %rdx, 16(%rbx)
	mov %rbp, 40(%rbx)
	mov %rsi, 48(%rbx)
	mov %rdi, 56(%rbx)
	mov %r8, 64(%rbx)
	mov %r9, 72(%rbx)
	mov %r10, 80(%rbx)
	mov %r11, 88(%rbx)
	mov %r12, 96(%rbx)
	mov %r13, 104(%rbx)
	mov %r14, 112(%rbx)
	mov %r15, 120(%rbx)
	popq 24(%rbx)
	pushfq
	popq 128(%rbx)

	mov 168(%rbx), %eax
	mov 172(%rbx), %edx
	mov 152(%rbx), %rcx
	xsave64 (%rcx)
	mov 160(%rbx), %eax
	mov 164(%rbx), %edx
	mov 144(%rbx), %rcx
	xrstor64 (%rcx)

	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	cld
	ret
	.size insn_exec__run, . - insn_exec__run

	.section .note.GNU-stack, "", @progbits
