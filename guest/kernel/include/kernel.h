/*
 * kernel.h - the tlbvisor guest kernel's internal interfaces (see docs/guest.md).
 * The MMU-specific parts are in arch/<port>/arch.h, included here.
 */
#ifndef K_KERNEL_H
#define K_KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include "mips_cp0.h"   /* guest/common */
#include "frame.h"      /* guest/common: struct frame */
#include "str.h"        /* guest/common: mem*, str* */
#include "tv_abi.h"
#include "tv_pv.h"

#define PAGE_SIZE   4096u
#define PAGE_MASK   (~(PAGE_SIZE - 1))
#define PAGE_UP(x)  (((x) + PAGE_SIZE - 1) & PAGE_MASK)

#define NPROC       128          /* process slots */
#define KSTACK_SIZE 8192         /* per-process kernel stack (static, in .bss) */
#define NVMA        32           /* regions per address space */
#define NFD         16           /* pipe ends per process */
#define TICK_COUNT  100000u      /* Count ticks per timer tick */

/* ---- library (lib.c) ---- */
void kputc(int c);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void poweroff(int status) __attribute__((noreturn));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void sync_icache(uint32_t addr, uint32_t len);

/* ---- counters (printed at the end) ---- */
struct kstat {
	uint32_t page_faults;    /* faults handled in C (TLB invalid, Mod, page faults) */
	uint32_t demand_zero;    /* pages allocated and zeroed on first touch */
	uint32_t cow_copies;     /* COW faults that copied a frame */
	uint32_t cow_reuse;      /* COW faults on a frame no longer shared */
	uint32_t forks, execs, exits, kills;
	uint32_t ctx_switches;   /* dispatches of a process by the scheduler */
	uint32_t idle_entries;   /* entries into the idle loop */
	uint32_t ticks;          /* timer interrupts */
	uint32_t syscalls;
	uint32_t tlb_flushes;    /* whole-TLB flushes (ASID roll-over) */
	uint32_t tlb_updates;    /* tlbp hits rewritten by tlbwi / InvlPg */
};
extern struct kstat kstat;
extern volatile uint32_t tlb_refills;   /* incremented by the refill handler */

/* ---- physical frames (frame.c) ---- */
void frame_init(uint32_t first_free_pa, uint32_t mem_end);
uint32_t frame_alloc(void);             /* PA of a frame (refcount 1), 0 when none */
uint32_t frame_alloc_zero(void);
void frame_ref(uint32_t pa);
void frame_unref(uint32_t pa);          /* frees it when the count drops to 0 */
uint32_t frame_refcount(uint32_t pa);
uint32_t frame_free_count(void);        /* free, the balloon's frames included */
uint32_t frame_free_now(void);          /* on the free list now */

/* ---- the paravirtual interface (pv.c, docs/paravirt.md) ---- */
extern volatile struct tv_pv_page pv_page;   /* the per-vCPU page */
extern int pv_active;                        /* pv=1 and the VMM answered */
struct pv_stat {
	uint32_t cache_calls, zero_skipped, balloon_given, balloon_taken;
};
extern struct pv_stat pv_stat;
void pv_init(int want);
void pv_cache_sync(uint32_t addr, uint32_t len);
int pv_frame_is_zero(uint32_t pa);
void balloon_tick(void);
int balloon_deflate_one(void);   /* 1 if a frame came back to the free list */
void pv_report(void);
/* The hypercall: mfc0 $v0, $21, 0 with the number in $v0 (tv_pv.h). */
static inline uint32_t tv_hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2)
{
	register uint32_t v0 __asm__("$2") = nr;
	register uint32_t r4 __asm__("$4") = a0, r5 __asm__("$5") = a1, r6 __asm__("$6") = a2;

	__asm__ volatile("mfc0 %0, $21, 0" : "+r"(v0) : "r"(r4), "r"(r5), "r"(r6) : "memory");
	return v0;
}
/* A privileged register the per-vCPU page holds: there when pv is on (a write also sets
 * its bit in wmask: the VMM takes it at the next trap), else mfc0/mtc0. */
#define PV_RD(field, reg) (pv_active ? pv_page.field : MFC0(reg))
#define PV_WR(field, wbit, reg, val) do { uint32_t v_ = (val); \
	if (pv_active) { pv_page.field = v_; pv_page.wmask |= (wbit); } \
	else MTC0(reg, v_); } while (0)

/* balloon frames (frame.c) */
uint32_t frame_alloc_for_balloon(void);      /* a free frame, off the free list; 0 if none */
void frame_free_from_balloon(uint32_t pa);   /* back on the free list */
void balloon_push(uint32_t pa);              /* the balloon holds it now */
uint32_t balloon_pop(void);                  /* a frame the balloon holds, or 0 */
uint32_t balloon_size(void);

#include "arch.h"

/* ---- address spaces (vm.c) ---- */
#define VMA_W     1u      /* writable */
#define VMA_HEAP  2u
#define VMA_STACK 4u
#define VMA_MMAP  8u

struct vma {
	uint32_t start, end;   /* page aligned, [start, end) */
	uint32_t flags;
};

struct mm {
	struct arch_mm arch;   /* page directory (+ ASID on swtlb) */
	struct vma vma[NVMA];
	int nvma;
	uint32_t heap_start, brk;
};

int mm_init(struct mm *mm);                     /* empty space; -TV_ENOMEM */
void mm_destroy(struct mm *mm);                 /* returns every frame */
int mm_fork(struct mm *child, struct mm *parent);
struct vma *mm_find_vma(struct mm *mm, uint32_t va);
int mm_add_vma(struct mm *mm, uint32_t start, uint32_t end, uint32_t flags);
void mm_unmap_range(struct mm *mm, uint32_t start, uint32_t end);
/* Resolve a fault at va (write or not) in mm: 0, or -TV_EFAULT (no region),
 * -TV_EINVAL (write to a read-only region), -TV_ENOMEM. */
int vm_fault(struct mm *mm, uint32_t va, int write);
/* Copy between kernel and user memory of mm through its page table (faulting pages in);
 * 0 or a negative error. */
int copyin(struct mm *mm, void *dst, uint32_t uva, uint32_t len);
int copyout(struct mm *mm, uint32_t uva, const void *src, uint32_t len);
int copyinstr(struct mm *mm, char *dst, uint32_t uva, uint32_t max);
uint32_t sys_sbrk(int32_t inc);
uint32_t sys_mmap(uint32_t len);
uint32_t sys_munmap(uint32_t addr, uint32_t len);

/* ---- programs (programs.S, exec.c) ---- */
struct program {
	const char *name;
	const uint8_t *image;
	uint32_t size;
};
extern const struct program programs[];
extern const uint32_t nprograms;
const struct program *find_program(const char *name);
/* Build a new address space for prog with argv (kernel strings): fills *mm, entry, sp */
int exec_load(struct mm *mm, const struct program *prog, int argc, char **argv,
	      uint32_t *entry, uint32_t *sp, uint32_t *uargv);

/* ---- processes (proc.c) ---- */
struct context {   /* callee-saved registers for swtch */
	uint32_t s[9];     /* s0-s7, s8 */
	uint32_t sp, ra, gp;
};

enum pstate { P_FREE, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE };

struct pipe;
struct pipe_end { struct pipe *pipe; int write; };

struct proc {
	enum pstate state;
	int pid;
	struct proc *parent;
	char name[TV_NAME_MAX];
	struct mm mm;
	struct context ctx;
	struct frame *tf;          /* user registers, at the top of kstack */
	uint32_t kstack_top;
	const void *chan;          /* what a sleeping process waits for */
	uint32_t wake_tick;
	int killed;
	int exit_status;
	struct pipe_end fd[NFD];
};

extern struct proc procs[NPROC];
extern struct proc *curproc;
extern volatile uint32_t ticks;
extern uint32_t cur_kstack_top;        /* used by the exception entry code */
extern int idle_spin;

void proc_init(void);
struct proc *proc_first(const char *name, int argc, char **argv);
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep_on(const void *chan);
void wakeup(const void *chan);
void do_exit(int status) __attribute__((noreturn));
void kill_current(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int do_fork(void);
int do_exec(uint32_t uname, uint32_t uargv);
int do_wait(uint32_t ustatus);
int do_kill(int pid);
void timer_tick(void);
int nprocs_alive(void);
int nprocs_runnable(void);             /* processes waiting for the CPU (not the current) */

/* ---- pipes (pipe.c) ---- */
int sys_pipe(uint32_t ufds);
int sys_read(int fd, uint32_t ubuf, uint32_t len);
int sys_writefd(int fd, uint32_t ubuf, uint32_t len);
int sys_close(int fd);
void fd_dup_all(struct proc *child, struct proc *parent);
void fd_close_all(struct proc *p);

/* ---- traps (trap.c, start.S) ---- */
void trap(struct frame *f);
void syscall(struct frame *f);
void swtch(struct context *old, struct context *new);
void trap_return(void);                /* restores the frame at 16($sp) and erets */
void trap_return_pv(void);             /* the same through the per-vCPU page (pv=1) */
void idle_wait(void);                  /* ei; wait; di */
void idle_spin_loop(void);             /* ei; while (1); -- left through the rollback */
extern char idle_region_start[], idle_region_end[], idle_spin_exit[];

#endif
