/*
 * proc.c - processes, the round-robin scheduler, sleep/wakeup, fork, exec, exit, wait,
 * kill and the timer tick.
 *
 * The kernel is not preemptible: it runs with interrupts off (Status.IE=0) and only user
 * mode and the idle loop take interrupts. A timer interrupt from user mode ends the
 * running process's time slice (one tick). The scheduler runs on the boot stack and
 * switches to a process with swtch(); processes give the CPU back with sched().
 */
#include "kernel.h"

struct proc procs[NPROC];
struct proc *curproc;
volatile uint32_t ticks;
uint32_t cur_kstack_top;
int idle_spin;
int root_pid, root_status;

static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static struct context sched_ctx;
static int next_pid = 1;

void proc_init(void)
{
	int i;

	for (i = 0; i < NPROC; i++)
		procs[i].state = P_FREE;
}

int nprocs_alive(void)
{
	int i, n = 0;

	for (i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE)
			n++;
	return n;
}

static struct proc *proc_alloc(void)
{
	int i;

	for (i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];

		if (p->state != P_FREE)
			continue;
		memset(p, 0, sizeof(*p));
		p->pid = next_pid++;
		p->kstack_top = (uint32_t)(uintptr_t)&kstacks[i][KSTACK_SIZE];
		p->tf = (struct frame *)(uintptr_t)(p->kstack_top - FRAME_TOTAL + 16);
		/* the first switch to p "returns" into trap_return with $sp at its frame */
		p->ctx.sp = p->kstack_top - FRAME_TOTAL;
		p->ctx.ra = (uint32_t)(uintptr_t)(pv_active ? trap_return_pv : trap_return);
		p->state = P_SLEEPING;   /* not runnable until set up */
		return p;
	}
	return 0;
}

static void set_name(struct proc *p, const char *name)
{
	uint32_t n = strlen(name);

	if (n >= TV_NAME_MAX)
		n = TV_NAME_MAX - 1;
	memcpy(p->name, name, n);
	p->name[n] = 0;
}

static void start_user(struct proc *p, uint32_t entry, uint32_t sp, int argc, uint32_t uargv)
{
	memset(p->tf, 0, sizeof(*p->tf));
	p->tf->epc = entry;
	p->tf->r[29] = sp;
	p->tf->r[4] = (uint32_t)argc;
	p->tf->r[5] = uargv;
	p->tf->status = ST_IM7 | ST_UM | ST_IE;
}

struct proc *proc_first(const char *name, int argc, char **argv)
{
	const struct program *prog = find_program(name);
	struct proc *p;
	uint32_t entry, sp, uargv;

	if (!prog || !(p = proc_alloc()))
		return 0;
	if (exec_load(&p->mm, prog, argc, argv, &entry, &sp, &uargv) < 0) {
		p->state = P_FREE;
		return 0;
	}
	set_name(p, name);
	start_user(p, entry, sp, argc, uargv);
	root_pid = p->pid;
	p->state = P_RUNNABLE;
	return p;
}

static void sched(void)
{
	swtch(&curproc->ctx, &sched_ctx);
}

void yield(void)
{
	curproc->state = P_RUNNABLE;
	sched();
}

void sleep_on(const void *chan)
{
	curproc->chan = chan;
	curproc->state = P_SLEEPING;
	sched();
	curproc->chan = 0;
}

void wakeup(const void *chan)
{
	int i;

	for (i = 0; i < NPROC; i++)
		if (procs[i].state == P_SLEEPING && procs[i].chan == chan)
			procs[i].state = P_RUNNABLE;
}

static int any_runnable(void)
{
	int i;

	for (i = 0; i < NPROC; i++)
		if (procs[i].state == P_RUNNABLE)
			return 1;
	return 0;
}

int nprocs_runnable(void)
{
	return any_runnable();
}

extern void shutdown(void) __attribute__((noreturn));

void scheduler(void)
{
	int last = NPROC - 1, was_idle = 0;

	for (;;) {
		struct proc *p = 0;
		int i;

		for (i = 1; i <= NPROC; i++) {
			int k = (last + i) % NPROC;

			if (procs[k].state == P_RUNNABLE) {
				p = &procs[k];
				last = k;
				break;
			}
		}
		if (!p) {
			if (nprocs_alive() == 0)
				shutdown();
			if (!was_idle) {
				kstat.idle_entries++;
				was_idle = 1;
			}
			if (pv_active) {
				/* one hypercall: back when the timer is due (interrupts stay off) */
				tv_hypercall(TV_HC_IDLE, 0, 0, 0);
				timer_tick();
			} else if (idle_spin) {
				idle_spin_loop();
			} else {
				idle_wait();
			}
			continue;
		}
		was_idle = 0;
		p->state = P_RUNNING;
		curproc = p;
		cur_kstack_top = p->kstack_top;
		arch_switch(&p->mm.arch);
		kstat.ctx_switches++;
		swtch(&sched_ctx, &p->ctx);
		curproc = 0;
	}
}

/* Called from trap() for an interrupt taken in the idle loop: may move EPC on. */
int idle_rollback(struct frame *f)
{
	uint32_t epc = f->epc;

	if (epc >= (uint32_t)(uintptr_t)idle_region_start &&
	    epc <= (uint32_t)(uintptr_t)idle_region_end) {   /* wait returns to _end */
		f->epc = (uint32_t)(uintptr_t)idle_region_end;
		return 1;
	}
	if (epc >= (uint32_t)(uintptr_t)idle_spin_loop &&
	    epc <= (uint32_t)(uintptr_t)idle_spin_exit) {
		if (epc != (uint32_t)(uintptr_t)idle_spin_exit && any_runnable())
			f->epc = (uint32_t)(uintptr_t)idle_spin_exit;
		return 1;
	}
	return 0;
}

void timer_tick(void)
{
	if (pv_active) {
		tv_hypercall(TV_HC_TIMER, TICK_COUNT, 0, 0);   /* Compare = Count + TICK_COUNT */
		balloon_tick();
	} else {
		MTC0(C0_COMPARE, MFC0(C0_COUNT) + TICK_COUNT);
	}
	ticks++;
	kstat.ticks++;
	wakeup((const void *)&ticks);
}

static void free_slot(struct proc *p)
{
	p->state = P_FREE;
	p->parent = 0;
}

void do_exit(int status)
{
	struct proc *p = curproc;
	int i;

	fd_close_all(p);
	mm_destroy(&p->mm);
	for (i = 0; i < NPROC; i++) {
		struct proc *q = &procs[i];

		if (q->state == P_FREE || q->parent != p)
			continue;
		if (q->state == P_ZOMBIE)
			free_slot(q);
		else
			q->parent = 0;       /* orphans are reaped by the kernel */
	}
	if (p->pid == root_pid)
		root_status = status;
	p->exit_status = status;
	kstat.exits++;
	if (p->parent) {
		p->state = P_ZOMBIE;
		wakeup(p->parent);
	} else {
		/* nobody will wait: free the slot now. Nothing can reuse it before
		 * sched() switches away (the kernel is not preemptible). */
		free_slot(p);
	}
	sched();
	panic("do_exit: process %d returned", p->pid);
}

void kill_current(const char *fmt, ...)
{
	/* "killed: pid N (NAME): REASON" -- reason formatted by the caller */
	struct proc *p = curproc;
	va_list ap;
	char buf[128];
	uint32_t n = 0;
	const char *s;

	/* tiny formatter: only %x (8 digits) and %s, enough for the reasons */
	va_start(ap, fmt);
	for (s = fmt; *s && n < sizeof(buf) - 12; s++) {
		if (*s != '%') {
			buf[n++] = *s;
			continue;
		}
		s++;
		if (*s == 'x') {
			uint32_t v = va_arg(ap, uint32_t);
			int k;

			for (k = 28; k >= 0; k -= 4)
				buf[n++] = "0123456789abcdef"[(v >> k) & 15];
		} else if (*s == 's') {
			const char *t = va_arg(ap, const char *);

			while (*t && n < sizeof(buf) - 12)
				buf[n++] = *t++;
		} else if (!*s) {
			break;
		}
	}
	va_end(ap);
	buf[n] = 0;
	kprintf("killed: pid %d (%s): %s\n", p->pid, p->name, buf);
	kstat.kills++;
	do_exit(TV_STATUS_KILLED);
}

int do_fork(void)
{
	struct proc *p = curproc, *np = proc_alloc();

	if (!np)
		return -TV_EAGAIN;
	if (mm_fork(&np->mm, &p->mm) < 0) {
		free_slot(np);
		return -TV_ENOMEM;
	}
	*np->tf = *p->tf;
	np->tf->r[2] = 0;
	np->tf->r[3] = 0;
	memcpy(np->name, p->name, sizeof(np->name));
	np->parent = p;
	fd_dup_all(np, p);
	np->state = P_RUNNABLE;
	kstat.forks++;
	return np->pid;
}

int do_exec(uint32_t uname, uint32_t uargv)
{
	struct proc *p = curproc;
	char name[TV_NAME_MAX], buf[TV_MAX_ARG_BYTES], *argv[TV_MAX_ARGS];
	const struct program *prog;
	struct mm nm, old;
	uint32_t used = 0, entry, sp, nargv;
	int argc = 0, n;

	if ((n = copyinstr(&p->mm, name, uname, sizeof(name))) < 0)
		return n == -TV_EINVAL ? -TV_ENOENT : n;
	for (;;) {
		uint32_t a;

		if (!uargv)
			break;
		if ((n = copyin(&p->mm, &a, uargv + 4 * (uint32_t)argc, 4)) < 0)
			return n;
		if (!a)
			break;
		if (argc == TV_MAX_ARGS)
			return -TV_EINVAL;
		if ((n = copyinstr(&p->mm, buf + used, a, sizeof(buf) - used)) < 0)
			return n;
		argv[argc++] = buf + used;
		used += (uint32_t)n + 1;
	}
	if (!(prog = find_program(name)))
		return -TV_ENOENT;
	if ((n = exec_load(&nm, prog, argc, argv, &entry, &sp, &nargv)) < 0)
		return n;
	old = p->mm;
	p->mm = nm;
	arch_switch(&p->mm.arch);      /* new page directory and a fresh ASID */
	mm_destroy(&old);
	set_name(p, name);
	start_user(p, entry, sp, argc, nargv);
	kstat.execs++;
	return 0;
}

int do_wait(uint32_t ustatus)
{
	struct proc *p = curproc;

	for (;;) {
		int i, kids = 0;

		for (i = 0; i < NPROC; i++) {
			struct proc *q = &procs[i];

			if (q->state == P_FREE || q->parent != p)
				continue;
			kids = 1;
			if (q->state == P_ZOMBIE) {
				int pid = q->pid;

				if (ustatus && copyout(&p->mm, ustatus, &q->exit_status, 4) < 0)
					return -TV_EFAULT;
				free_slot(q);
				return pid;
			}
		}
		if (!kids)
			return -TV_ECHILD;
		if (p->killed)
			return -TV_EINVAL;
		sleep_on(p);
	}
}

int do_kill(int pid)
{
	int i;

	for (i = 0; i < NPROC; i++) {
		struct proc *q = &procs[i];

		if (q->state == P_FREE || q->state == P_ZOMBIE || q->pid != pid)
			continue;
		q->killed = 1;
		if (q->state == P_SLEEPING)
			q->state = P_RUNNABLE;
		return 0;
	}
	return -TV_EINVAL;
}
