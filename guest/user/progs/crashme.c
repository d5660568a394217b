/*
 * crashme what=X: misbehaves on purpose; the kernel must kill it (status
 * TV_STATUS_KILLED, a "killed: ..." console line) and keep running.
 *   wildstore  store to an unmapped user address (0x20000000)
 *   kjump      jump to a kernel address (0x80001000)
 *   priv       a privileged instruction (mtc0 to Status) in user mode
 *   oom        grow the heap 1 MiB at a time with sbrk (then mmap) touching every page,
 *              until the kernel kills it
 *   ri         an instruction with a reserved opcode (0x3b)
 *   all        (default) fork one child per case above, check that each was killed,
 *              then print one line: "crashme: 5 killed, 0 survived checksum=0x..."
 * A single case that survives prints "crashme: what=X survived" and exits 1.
 */
#include "../lib/ulib.h"

static const char *const cases[] = { "wildstore", "kjump", "priv", "oom", "ri" };
#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

static int misbehave(const char *what)
{
	if (!strcmp(what, "wildstore")) {
		*(volatile uint32_t *)0x20000000u = 0xdeadbeef;
	} else if (!strcmp(what, "kjump")) {
		((void (*)(void))0x80001000u)();
	} else if (!strcmp(what, "priv")) {
		__asm__ volatile("mtc0 $zero, $12\n\tehb" ::: "memory");
	} else if (!strcmp(what, "ri")) {
		__asm__ volatile(".word 0xec000000" ::: "memory");
	} else if (!strcmp(what, "oom")) {
		long mib = 0;

		for (;;) {
			uint8_t *p = sbrk(1 << 20);

			if (p == MAP_FAILED)
				break;
			for (int i = 0; i < (1 << 20); i += PAGE_SIZE)
				p[i] = 1;
			mib++;
		}
		for (;;) {
			uint8_t *p = mmap(1 << 20);

			if (p == MAP_FAILED)
				break;
			for (int i = 0; i < (1 << 20); i += PAGE_SIZE)
				p[i] = 1;
			mib++;
		}
		printf("crashme: what=oom refused after %ld MiB without a kill\n", mib);
		return 2;
	} else {
		printf("crashme: FAIL unknown what=%s\n", what);
		return 3;
	}
	printf("crashme: what=%s survived\n", what);
	return 1;
}

int main(int argc, char **argv)
{
	const char *what = arg_str(argc, argv, "what", "all");
	int killed = 0, survived = 0;
	uint32_t h = FNV_INIT;

	if (strcmp(what, "all"))
		return misbehave(what);
	for (int i = 0; i < NCASES; i++) {
		int st = 0, pid = fork();

		if (pid == 0)
			exit(misbehave(cases[i]));
		if (pid < 0 || wait(&st) != pid) {
			printf("crashme: FAIL fork/wait for %s\n", cases[i]);
			return 1;
		}
		if (st == TV_STATUS_KILLED) {
			killed++;
		} else {
			survived++;
			printf("crashme: FAIL %s: status %d, not killed\n", cases[i], st);
		}
		h = fnv1a(h, cases[i], strlen(cases[i]));
		h = fnv1a_u32(h, (uint32_t)st);
	}
	printf("crashme: %d killed, %d survived checksum=0x%08x\n", killed, survived, h);
	return survived ? 1 : 0;
}
