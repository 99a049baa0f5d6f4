// Runs the generated Rust stubs of the small spec (tests/abi-tool/specs/small)
// in a Linux user process, with the doorbell trap patched into every stub's
// trap site first (fastabi::patch_traps, the code made writable with
// mprotect, as a guest patches at boot): `out 0x99, al` at CPL3
// raises #GP, which arrives as SIGSEGV with the caller's registers in the
// ucontext. The handler plays the hypervisor: it records the registers at the
// trap, writes the scripted rax and output registers, steps over the 2-byte
// instruction and returns; sigreturn loads the registers back, as a VMM does
// after an exit. Each case then checks what the stub put in the registers
// (hypercall number, sub-op, packed ranges) and what it returned (the Ok/Err
// rule, the Out members).
//
// rust-run.sh builds it beside the generated module (fastabi.rs) with std.
// Linux x86-64 with glibc only: sigaction and ucontext are declared by hand
// because the test uses no crates.

// A binary uses only part of the module.
#[allow(dead_code)]
mod fastabi;

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use fastabi::Trap;

// glibc x86-64: struct sigaction and the greg indexes of ucontext_t.
#[repr(C)]
struct SigAction {
    sa_sigaction: usize,
    sa_mask: [u64; 16],
    sa_flags: i32,
    sa_restorer: usize,
}
const SA_SIGINFO: i32 = 4;
const SIGSEGV: i32 = 11;
const UC_GREGS_OFFSET: usize = 40; // uc_flags, uc_link, uc_stack (24 bytes)
const REG_R8: usize = 0;
const REG_RDI: usize = 8;
const REG_RSI: usize = 9;
const REG_RAX: usize = 13;
const REG_RIP: usize = 16;

extern "C" {
    fn sigaction(sig: i32, act: *const SigAction, old: *mut SigAction) -> i32;
    fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
}
const PROT_RWX: i32 = 7;
const PAGE: usize = 4096;

// FastABI reg0..reg7 as greg indexes: rax, rdi, rsi, r8, r9, r10, r11, r12.
const GREG: [usize; 8] = [REG_RAX, REG_RDI, REG_RSI, REG_R8, REG_R8 + 1, REG_R8 + 2, REG_R8 + 3, REG_R8 + 4];

// The scripted hypervisor. Written by the test before each call, read and
// written by the handler; the asm blocks of the stubs are compiler barriers
// for memory, and ARMED orders the rest.
static ARMED: AtomicBool = AtomicBool::new(false);
static mut SEEN: [u64; 8] = [0; 8];
static mut REPLY_RAX: u64 = 0;
static mut REPLY_OUT: [Option<u64>; 8] = [None; 8];
static TRAPS: AtomicU32 = AtomicU32::new(0);

extern "C" fn handler(_sig: i32, _info: *mut u8, ctx: *mut u8) {
    unsafe {
        let gregs = ctx.add(UC_GREGS_OFFSET) as *mut u64;
        let rip = *gregs.add(REG_RIP) as *const u8;
        if !ARMED.load(Ordering::SeqCst) || *rip != 0xe6 || *rip.add(1) != fastabi::DOORBELL_PORT {
            // Not our doorbell: a real crash. Die loudly.
            let msg = b"rust-run: unexpected SIGSEGV\n";
            write(2, msg.as_ptr(), msg.len());
            _exit(2);
        }
        for r in 0..8 {
            SEEN[r] = *gregs.add(GREG[r]);
        }
        *gregs.add(REG_RAX) = REPLY_RAX;
        for r in 2..8 {
            if let Some(v) = REPLY_OUT[r] {
                *gregs.add(GREG[r]) = v;
            }
        }
        *gregs.add(REG_RIP) += 2;
        TRAPS.fetch_add(1, Ordering::SeqCst);
    }
}

extern "C" {
    fn write(fd: i32, buf: *const u8, len: usize) -> isize;
    fn _exit(status: i32) -> !;
}

fn arm(rax: i64, outs: &[(usize, u64)]) {
    unsafe {
        REPLY_RAX = rax as u64;
        REPLY_OUT = [None; 8];
        for &(r, v) in outs {
            REPLY_OUT[r] = Some(v);
        }
        SEEN = [0; 8];
    }
    TRAPS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
}

// The registers the handler saw; exactly one trap must have happened.
fn seen() -> [u64; 8] {
    ARMED.store(false, Ordering::SeqCst);
    let traps = TRAPS.load(Ordering::SeqCst);
    assert_eq!(traps, 1, "the stub trapped {} times", traps);
    unsafe { SEEN }
}

fn call(family: u64) -> u64 {
    family | fastabi::FASTABI_MASK
}

fn main() {
    let act = SigAction {
        sa_sigaction: handler as extern "C" fn(i32, *mut u8, *mut u8) as usize,
        sa_mask: [0; 16],
        sa_flags: SA_SIGINFO,
        sa_restorer: 0,
    };
    assert_eq!(unsafe { sigaction(SIGSEGV, &act, core::ptr::null_mut()) }, 0);

    // Every stub's trap site writable, then patched to the doorbell.
    let mut sites = 0;
    for site in fastabi::trap_sites() {
        let page = site as usize & !(PAGE - 1);
        let len = site as usize + fastabi::TRAP_SITE_LEN - page;
        assert_eq!(unsafe { mprotect(page as *mut u8, len, PROT_RWX) }, 0);
        sites += 1;
    }
    assert_eq!(unsafe { fastabi::patch_traps(Trap::Doorbell) }, sites);
    for site in fastabi::trap_sites() {
        let b = unsafe { core::slice::from_raw_parts(site as *const u8, fastabi::TRAP_SITE_LEN) };
        assert_eq!(b, &Trap::Doorbell.site_bytes()[..]);
    }
    println!("ok: {} trap sites patched to the doorbell", sites);

    // A direct op: no sub-op in rdi; Ok(rax).
    arm(0, &[]);
    let r = unsafe { fastabi::set_timer_op::set_timer_op(0x0123_4567_89ab_cdef) };
    let s = seen();
    assert_eq!(r, Ok(0));
    assert_eq!(s[0], call(15));
    assert_eq!(s[2], 0x0123_4567_89ab_cdef);
    println!("ok: set_timer_op (direct)");

    // A keyword name; a negative rax is Err(rax).
    arm(-38, &[]);
    let r = unsafe { fastabi::sched::r#yield() };
    let s = seen();
    assert_eq!(r, Err(-38));
    assert_eq!((s[0], s[1]), (call(29), fastabi::sched::YIELD));
    println!("ok: sched yield -> Err(-38)");

    // Scalar inputs in rsi and r8; a positive rax is Ok(rax).
    arm(7, &[]);
    let r = unsafe { fastabi::sched::poll(1_000_000, 42) };
    let s = seen();
    assert_eq!(r, Ok(7));
    assert_eq!((s[0], s[1], s[2], s[3]), (call(29), 3, 1_000_000, 42));
    println!("ok: sched poll -> Ok(7)");

    // Packed inputs: each range masked to its width and shifted into place.
    arm(0, &[(7, 0x55)]);
    let r = unsafe {
        fastabi::grant_table::copy(0x1111, 0x7ff1, 0x0fff, 0x2222, 0xdead_0001, 0x20, 0xffff_ffff, 0x3)
    };
    let s = seen();
    assert_eq!(r, Ok(fastabi::grant_table::CopyOut { ret: 0, status: 0x55 }));
    assert_eq!((s[0], s[1]), (call(20), fastabi::grant_table::COPY));
    assert_eq!(s[2], 0x1111);
    assert_eq!(s[3], 0x0fff_7ff1, "src_loc: offset << 16 | domid");
    assert_eq!(s[4], 0x2222);
    assert_eq!(s[5], 0x0020_0001, "dst_loc: domid masked to 16 bits");
    assert_eq!(s[6], 0x0003_ffff, "len_flags: len masked to 16 bits");
    println!("ok: grant_table copy (packed inputs)");

    // Four outputs land in their Out members; ret is rax.
    arm(0, &[(4, 2), (5, 1), (6, 0xaaaa), (7, 0xbbbb)]);
    let r = unsafe { fastabi::event_channel::status(0x7ff0, 9) };
    let s = seen();
    assert_eq!((s[0], s[1], s[2], s[3]), (call(32), 5, 0x7ff0, 9));
    assert_eq!(
        r,
        Ok(fastabi::event_channel::StatusOut { ret: 0, status: 2, vcpu: 1, word1: 0xaaaa, word2: 0xbbbb })
    );
    println!("ok: event_channel status (outputs)");

    // On failure the outputs are not looked at: Err(rax) only.
    arm(-22, &[(4, 0xffff)]);
    let r = unsafe { fastabi::event_channel::alloc_unbound(0x7ff0, 1) };
    seen();
    assert_eq!(r, Err(-22));
    arm(3, &[(4, 17)]);
    let r = unsafe { fastabi::event_channel::alloc_unbound(0x7ff0, 1) };
    seen();
    assert_eq!(r, Ok(fastabi::event_channel::AllocUnboundOut { ret: 3, port: 17 }));
    println!("ok: event_channel alloc_unbound (Err, then Ok with ret 3)");

    println!("OK: the generated Rust stubs pass every register as the spec says");
}
