/*
 * main.c - boot: the Malta boot arguments, the command line, memory, the first
 * process; and shutdown with the counters.
 */
#include "kernel.h"

#define FRAMES_BASE 0x00400000u    /* frames managed from 4 MiB up (kernel below) */
#define MEM_MAX     (256u << 20)

struct kstat kstat;
extern char _end[];
extern int root_status;
static uint32_t free_at_boot;
static char cmdline[512];

/* Is w one of the space-separated words of s? */
static int strstr_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	while (*s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, w, n) == 0 && (s[n] == ' ' || s[n] == 0))
			return 1;
		while (*s && *s != ' ')
			s++;
	}
	return 0;
}

static uint32_t parse_uint(const char *s)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

void shutdown(void)
{
	uint32_t free_at_end;
	int status = root_status;

	while (balloon_deflate_one())   /* the balloon's frames are the kernel's again */
		;
	free_at_end = frame_free_count();   /* (which counted them already) */

	kprintf("[kstat] page_faults=%u demand_zero=%u cow_copies=%u cow_reuse=%u forks=%u "
		"execs=%u exits=%u kills=%u\n", kstat.page_faults, kstat.demand_zero,
		kstat.cow_copies, kstat.cow_reuse, kstat.forks, kstat.execs, kstat.exits,
		kstat.kills);
	kprintf("[kstat] ctx_switches=%u idle_entries=%u ticks=%u syscalls=%u\n",
		kstat.ctx_switches, kstat.idle_entries, kstat.ticks, kstat.syscalls);
	arch_report();
	pv_report();
	kprintf("frames: %u free at boot, %u free at end\n", free_at_boot, free_at_end);
	if (status == 0 && free_at_end != free_at_boot)
		status = 1;
	poweroff(status);
}

void kmain(int argc, char **argv, char **envp, uint32_t memsize);
void kmain(int argc, char **argv, char **envp, uint32_t memsize)
{
	static char *uargv[TV_MAX_ARGS];
	const char *workload = "selftest";
	int uargc = 1, i, pv;
	uint32_t len = 0;
	char *s;
	struct proc *p;

	/* The boot arguments live in low RAM below the kernel: copy the command line.
	 * QEMU 7.2's Malta loader passes $a0 = 0xffffffff with the same two-entry argv
	 * table (image name, command line) as DESIGN §2's $a0 = 2: treat both as 2. */
	if (argc < 1 || argc > 16)
		argc = 2;
	for (i = 1; i < argc && argv; i++) {
		const char *a = argv[i];

		while (a && *a && len < sizeof(cmdline) - 2)
			cmdline[len++] = *a++;
		cmdline[len++] = ' ';
	}
	cmdline[len] = 0;
	if (memsize == 0 || memsize > MEM_MAX) {
		for (i = 0; envp && envp[i] && envp[i + 1]; i += 2)
			if (strcmp(envp[i], "memsize") == 0)
				memsize = parse_uint(envp[i + 1]);
	}
	if (memsize > MEM_MAX)
		memsize = MEM_MAX;

	/* pv=1: use the VMM's paravirtual interface if there is one (pv.c); decided before
	 * the vectors are installed, since the exception and refill handlers differ. */
	pv = strstr_word(cmdline, "pv=1");
	pv_init(pv);
	arch_init();
	if (PHYS(_end) > FRAMES_BASE)
		panic("kernel image too large");
	frame_init(FRAMES_BASE, memsize & PAGE_MASK);
	proc_init();

	/* workload=NAME idle=wait|spin; every other word is an argument */
	for (s = cmdline; *s;) {
		char *w;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = 0;
		if (strncmp(w, "workload=", 9) == 0)
			workload = w + 9;
		else if (strcmp(w, "idle=spin") == 0)
			idle_spin = 1;
		else if (strcmp(w, "idle=wait") == 0)
			idle_spin = 0;
		else if (strcmp(w, "pv=1") == 0 || strcmp(w, "pv=0") == 0)
			;                /* taken at boot (pv_init) */
		else if (uargc < TV_MAX_ARGS)
			uargv[uargc++] = w;
	}
	uargv[0] = (char *)workload;

	kprintf("[kstat] kernel: mmu=%s mem=%uK tick=%u idle=%s pv=%s\n", ARCH_NAME,
		memsize >> 10, TICK_COUNT, idle_spin ? "spin" : "wait",
		pv_active ? "on" : "off");
	free_at_boot = frame_free_count();
	p = proc_first(workload, uargc, uargv);
	if (!p) {
		kprintf("kernel: cannot start workload '%s'; programs:", workload);
		for (i = 0; i < (int)nprograms; i++)
			kprintf(" %s", programs[i].name);
		kprintf("\n");
		poweroff(2);
	}
	MTC0(C0_COMPARE, MFC0(C0_COUNT) + TICK_COUNT);
	MTC0(C0_STATUS, ST_IM7);   /* kernel mode, IE=0: only user mode and idle take it */
	scheduler();
}
