/*
 * trap.c - exception dispatch (after exc_entry in start.S saved the frame) and the
 * system calls of tv_abi.h.
 */
#include "kernel.h"

int idle_rollback(struct frame *f);

static const char *exc_names[32] = {
	[EXC_INT] = "interrupt", [EXC_MOD] = "TLB modified", [EXC_TLBL] = "TLB load",
	[EXC_TLBS] = "TLB store", [EXC_ADEL] = "address error on load/fetch",
	[EXC_ADES] = "address error on store", [EXC_IBE] = "bus error on fetch",
	[EXC_DBE] = "bus error on load/store", [EXC_SYS] = "syscall",
	[EXC_BP] = "breakpoint", [EXC_RI] = "reserved instruction",
	[EXC_CPU] = "coprocessor unusable (privileged instruction)",
	[EXC_OV] = "integer overflow", [EXC_TR] = "trap",
};

static void kernel_trap(struct frame *f)
{
	uint32_t exc = CAUSE_EXC(f->cause);

	if (exc == EXC_INT && idle_rollback(f)) {
		if (f->cause & (1u << 15))
			timer_tick();
		idle_rollback(f);   /* the tick may have woken someone (spin) */
		return;
	}
	panic("kernel exception %u (%s) epc 0x%08x badvaddr 0x%08x status 0x%08x "
	      "cause 0x%08x ra 0x%08x", exc, exc_names[exc] ? exc_names[exc] : "?",
	      f->epc, f->badvaddr, f->status, f->cause, f->r[31]);
}

void trap(struct frame *f)
{
	uint32_t exc = CAUSE_EXC(f->cause), va;
	int write, err;

	if (!(f->status & ST_UM)) {
		kernel_trap(f);
		return;
	}
	if (f != curproc->tf)
		panic("user trap with a foreign frame");
	if (exc == EXC_INT) {
		if (f->cause & (1u << 15)) {
			timer_tick();
			yield();             /* end of the time slice */
		}
	} else if (exc == EXC_SYS) {
		syscall(f);
	} else if (arch_fault(f, &va, &write)) {
		kstat.page_faults++;
		err = vm_fault(&curproc->mm, va, write);
		if (err == -TV_EFAULT)
			kill_current("bad address %x (%s) at pc %x", va,
				     write ? "store" : "load", f->epc);
		else if (err == -TV_EINVAL)
			kill_current("write to read-only page %x at pc %x", va, f->epc);
		else if (err == -TV_ENOMEM)
			kill_current("out of memory at %x", va);
	} else if (exc == EXC_ADEL || exc == EXC_ADES) {
		kill_current("%s %x at pc %x", exc_names[exc], f->badvaddr, f->epc);
	} else {
		kill_current("%s at pc %x", exc_names[exc] ? exc_names[exc] : "exception",
			     f->epc);
	}
	if (curproc->killed)
		do_exit(TV_STATUS_KILLED);
}

static int sys_write(uint32_t ubuf, uint32_t len)
{
	char buf[128];
	uint32_t done = 0;

	while (done < len) {
		uint32_t n = len - done > sizeof(buf) ? sizeof(buf) : len - done, i;
		int err = copyin(&curproc->mm, buf, ubuf + done, n);

		if (err < 0)
			return done ? (int)done : err;
		for (i = 0; i < n; i++)
			kputc(buf[i]);
		done += n;
	}
	return (int)done;
}

void syscall(struct frame *f)
{
	uint32_t a0 = f->r[4], a1 = f->r[5], a2 = f->r[6];
	uint32_t ret;

	kstat.syscalls++;
	f->epc += 4;
	switch (f->r[2]) {
	case TV_SYS_EXIT:
		do_exit((int)a0);
	case TV_SYS_FORK:
		ret = (uint32_t)do_fork();
		break;
	case TV_SYS_EXEC:
		ret = (uint32_t)do_exec(a0, a1);
		break;
	case TV_SYS_WAIT:
		ret = (uint32_t)do_wait(a0);
		break;
	case TV_SYS_GETPID:
		ret = (uint32_t)curproc->pid;
		break;
	case TV_SYS_SBRK:
		ret = sys_sbrk((int32_t)a0);
		break;
	case TV_SYS_MMAP:
		ret = sys_mmap(a0);
		break;
	case TV_SYS_MUNMAP:
		ret = sys_munmap(a0, a1);
		break;
	case TV_SYS_WRITE:
		ret = (uint32_t)sys_write(a0, a1);
		break;
	case TV_SYS_YIELD:
		if (pv_active && !nprocs_runnable())
			tv_hypercall(TV_HC_YIELD, 0, 0, 0);   /* alone: let another VM run */
		yield();
		ret = 0;
		break;
	case TV_SYS_SLEEP: {
		uint32_t until = ticks + a0;

		while ((int32_t)(ticks - until) < 0 && !curproc->killed)
			sleep_on((const void *)&ticks);
		ret = 0;
		break;
	}
	case TV_SYS_TICKS:
		ret = ticks;
		break;
	case TV_SYS_PIPE:
		ret = (uint32_t)sys_pipe(a0);
		break;
	case TV_SYS_READ:
		ret = (uint32_t)sys_read((int)a0, a1, a2);
		break;
	case TV_SYS_WRITEFD:
		ret = (uint32_t)sys_writefd((int)a0, a1, a2);
		break;
	case TV_SYS_CLOSE:
		ret = (uint32_t)sys_close((int)a0);
		break;
	case TV_SYS_FREEFRAMES:
		ret = frame_free_count();
		break;
	case TV_SYS_KILL:
		ret = (uint32_t)do_kill((int)a0);
		break;
	default:
		ret = (uint32_t)-TV_EINVAL;
		break;
	}
	f->r[2] = ret;
}
