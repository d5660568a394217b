/*
 * ktest - the kernel's own test program (guest/kernel/test), embedded next to the
 * programs of guest/user. `workload=ktest` exercises every system call, COW isolation,
 * demand-zero pages, munmap faults, killed processes (bad address, kernel address,
 * privileged and reserved instructions, out of memory) and frame accounting, printing
 * deterministic lines and a checksum.
 *   ktest [n=FORKS] [oom=0|1]
 */
#include <stdint.h>
#include "tv_abi.h"

int sys(int n, uint32_t a0, uint32_t a1, uint32_t a2);
int main(int argc, char **argv);

static uint32_t sum = 0x12345678u;
static int fails;
static int data_var = 42;
static char bss_buf[8192];

static uint32_t slen(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void puts_(const char *s) { sys(TV_SYS_WRITE, (uint32_t)s, slen(s), 0); }

static void putu(uint32_t v)
{
	char b[12];
	int n = 11;

	b[n] = 0;
	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + n);
}

static void puti(int v)
{
	if (v < 0) {
		puts_("-");
		putu((uint32_t)-v);
	} else {
		putu((uint32_t)v);
	}
}

static void mix(uint32_t v) { sum = (sum ^ v) * 16777619u + 1; }

static void check(int ok, const char *what, int v)
{
	mix((uint32_t)v);
	puts_(ok ? "ok   " : "FAIL ");
	puts_(what);
	puts_(" = ");
	puti(v);
	puts_("\n");
	if (!ok)
		fails++;
}

static int parse(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int arg(int argc, char **argv, const char *key, int def)
{
	int i;
	uint32_t k = slen(key);

	for (i = 1; i < argc; i++) {
		uint32_t j;

		for (j = 0; j < k && argv[i][j] == key[j]; j++)
			;
		if (j == k && argv[i][k] == '=')
			return parse(argv[i] + k + 1);
	}
	return def;
}

/* fork a child that runs f; return its wait status */
static int child_status(void (*f)(void))
{
	int pid = sys(TV_SYS_FORK, 0, 0, 0), st = 12345;

	if (pid == 0) {
		f();
		sys(TV_SYS_EXIT, 7, 0, 0);
	}
	if (sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0) != pid)
		return -999;
	return st;
}

static void bad_load(void) { mix(*(volatile uint32_t *)0x10); }
static void bad_store(void) { *(volatile uint32_t *)0x7000000 = 1; }
static void kernel_store(void) { *(volatile uint32_t *)0x80100000u = 1; }
static void privileged(void) { __asm__ volatile("mtc0 $0, $12"); }
static void reserved(void) { __asm__ volatile(".word 0x0000003f"); }  /* RI */
static void write_text(void) { *(volatile uint32_t *)(uint32_t)main = 0; }
static void eat_memory(void)
{
	for (;;) {
		int a = sys(TV_SYS_MMAP, 1u << 20, 0, 0);
		uint32_t p;

		if (a < 0)
			return;
		for (p = 0; p < (1u << 20); p += 4096)
			*(volatile uint32_t *)((uint32_t)a + p) = p;
	}
}

int main(int argc, char **argv)
{
	int i, n = arg(argc, argv, "n", 20), oom = arg(argc, argv, "oom", 1);
	int pid, st, fds[2], bad = 0;
	uint32_t f0, f1;

	if (arg(argc, argv, "child", 0)) {   /* exec'd by the parent */
		check(argc == 3, "exec argc", argc);
		check(argv[2][0] == 'x', "exec argv[2][0]", argv[2][0]);
		return 5;
	}
	puts_("ktest: start\n");
	check(sys(TV_SYS_GETPID, 0, 0, 0) > 0, "getpid > 0", 1);
	check(data_var == 42, "data", data_var);
	st = 0;
	for (i = 0; i < (int)sizeof(bss_buf); i++)
		st |= bss_buf[i];
	check(st == 0, "bss zero", st);

	/* COW isolation */
	data_var = 1;
	pid = sys(TV_SYS_FORK, 0, 0, 0);
	if (pid == 0) {
		data_var = 2;
		bss_buf[100] = 9;
		sys(TV_SYS_EXIT, data_var + bss_buf[100], 0, 0);
	}
	check(sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0) == pid, "wait pid", 0);
	check(st == 11, "child status", st);
	check(data_var == 1 && bss_buf[100] == 0, "parent data after child write", data_var);
	check(sys(TV_SYS_WAIT, 0, 0, 0) == -TV_ECHILD, "wait no child", -TV_ECHILD);

	/* sbrk: demand zero */
	{
		uint32_t old = (uint32_t)sys(TV_SYS_SBRK, 3 * 4096, 0, 0);
		volatile uint32_t *p = (volatile uint32_t *)old;

		check(p[0] == 0 && p[2048] == 0, "sbrk zero", (int)p[1000]);
		p[0] = 5;
		p[3000] = 6;
		check((uint32_t)sys(TV_SYS_SBRK, 0, 0, 0) == old + 3 * 4096, "sbrk break", 0);
		check((uint32_t)sys(TV_SYS_SBRK, (uint32_t)-3 * 4096, 0, 0) == old + 3 * 4096,
		      "sbrk shrink", 0);
	}

	/* mmap / munmap */
	{
		int a = sys(TV_SYS_MMAP, 5 * 4096, 0, 0);
		volatile uint32_t *p = (volatile uint32_t *)a;
		uint32_t s = 0;

		check(a == (int)TV_MMAP_BASE, "mmap address", a - (int)TV_MMAP_BASE);
		for (i = 0; i < 5 * 1024; i += 1024)
			s += p[i];
		check(s == 0, "mmap zero", (int)s);
		for (i = 0; i < 5 * 1024; i++)
			p[i] = (uint32_t)i;
		check(sys(TV_SYS_MUNMAP, (uint32_t)a + 4096, 4096, 0) == 0, "munmap middle", 0);
		pid = sys(TV_SYS_FORK, 0, 0, 0);
		if (pid == 0) {
			mix(p[1024]);     /* unmapped: killed */
			sys(TV_SYS_EXIT, 0, 0, 0);
		}
		sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0);
		check(st == TV_STATUS_KILLED, "munmapped page faults", st);
		check(p[2048] == 2048 && p[4 * 1024 + 5] == 4 * 1024 + 5, "mmap rest kept",
		      (int)p[2048]);
		check(sys(TV_SYS_MUNMAP, (uint32_t)a, 5 * 4096, 0) == 0, "munmap all", 0);
		check(sys(TV_SYS_MMAP, 4096, 0, 0) == a, "mmap reuse", 0);
		sys(TV_SYS_MUNMAP, (uint32_t)a, 4096, 0);
	}

	/* pipes */
	{
		char buf[16];

		check(sys(TV_SYS_PIPE, (uint32_t)fds, 0, 0) == 0, "pipe", fds[1]);
		pid = sys(TV_SYS_FORK, 0, 0, 0);
		if (pid == 0) {
			sys(TV_SYS_CLOSE, (uint32_t)fds[0], 0, 0);
			for (i = 0; i < 100; i++)
				sys(TV_SYS_WRITEFD, (uint32_t)fds[1], (uint32_t)"0123456789", 10);
			sys(TV_SYS_EXIT, 0, 0, 0);
		}
		sys(TV_SYS_CLOSE, (uint32_t)fds[1], 0, 0);
		st = 0;
		for (;;) {
			int r = sys(TV_SYS_READ, (uint32_t)fds[0], (uint32_t)buf, 7);

			if (r <= 0)
				break;
			for (i = 0; i < r; i++)
				mix((uint32_t)buf[i]);
			st += r;
		}
		check(st == 1000, "pipe bytes", st);
		sys(TV_SYS_CLOSE, (uint32_t)fds[0], 0, 0);
		sys(TV_SYS_WAIT, 0, 0, 0);
	}

	/* sleep, ticks, yield */
	{
		int t0 = sys(TV_SYS_TICKS, 0, 0, 0);

		sys(TV_SYS_SLEEP, 2, 0, 0);
		check(sys(TV_SYS_TICKS, 0, 0, 0) - t0 >= 2, "sleep 2 ticks", 2);
		check(sys(TV_SYS_YIELD, 0, 0, 0) == 0, "yield", 0);
	}

	/* exec */
	pid = sys(TV_SYS_FORK, 0, 0, 0);
	if (pid == 0) {
		const char *av[] = { "ktest", "child=1", "xyz", 0 };

		sys(TV_SYS_EXEC, (uint32_t)"ktest", (uint32_t)av, 0);
		sys(TV_SYS_EXIT, 99, 0, 0);
	}
	sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0);
	check(st == 5, "exec child status", st);
	check(sys(TV_SYS_EXEC, (uint32_t)"nonexistent", 0, 0) == -TV_ENOENT, "exec ENOENT", 0);

	/* faulting children are killed */
	check(child_status(bad_load) == TV_STATUS_KILLED, "kill bad load", 0);
	check(child_status(bad_store) == TV_STATUS_KILLED, "kill bad store", 0);
	check(child_status(kernel_store) == TV_STATUS_KILLED, "kill kernel store", 0);
	check(child_status(privileged) == TV_STATUS_KILLED, "kill privileged", 0);
	check(child_status(reserved) == TV_STATUS_KILLED, "kill reserved", 0);
	check(child_status(write_text) == TV_STATUS_KILLED, "kill text write", 0);
	if (oom)
		check(child_status(eat_memory) == TV_STATUS_KILLED, "kill out of memory", 0);

	/* kill */
	pid = sys(TV_SYS_FORK, 0, 0, 0);
	if (pid == 0)
		for (;;)
			sys(TV_SYS_SLEEP, 1, 0, 0);
	check(sys(TV_SYS_KILL, (uint32_t)pid, 0, 0) == 0, "kill", 0);
	sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0);
	check(st == -1, "killed status", st);

	/* forkwait: every frame of the children comes back */
	f0 = (uint32_t)sys(TV_SYS_FREEFRAMES, 0, 0, 0);
	for (i = 0; i < n; i++) {
		pid = sys(TV_SYS_FORK, 0, 0, 0);
		if (pid == 0)
			sys(TV_SYS_EXIT, (uint32_t)i & 0x7f, 0, 0);
		if (sys(TV_SYS_WAIT, (uint32_t)&st, 0, 0) != pid || st != (i & 0x7f))
			bad++;
	}
	check(bad == 0, "forkwait", n);

	f1 = (uint32_t)sys(TV_SYS_FREEFRAMES, 0, 0, 0);
	check(f1 == f0, "frames back", (int)(f0 - f1));
	puts_("ktest: checksum ");
	putu(sum);
	puts_(fails ? " FAILED\n" : " passed\n");
	return fails ? 1 : 0;
}
