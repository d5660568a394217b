/*
 * selftest: exercises every system call of tv_abi.h and checks the results.  Prints
 * "FAIL selftest.c:LINE: ..." per failed check and ends with
 * "selftest: N checks, F failed"; exit status 0 only when F is 0.
 *
 * Phase A (the parent's own memory may grow): getpid, sbrk growth and zero-fill,
 * demand-zero .bss, ENOMEM, mmap/munmap, write, ticks/yield/sleep, pipes in one process,
 * wait without children, exec of an unknown name.
 * Phase B (frame-balanced: the parent touches no new page): fork with copy-on-write
 * isolation both ways (.data, heap, mmap), several children and their statuses, exec of
 * `job`, children killed for touching munmap'd / unmapped / kernel memory, kill(),
 * a multi-page pipe transfer between processes.  freeframes() after the last child is
 * reaped must equal its value at the start of phase B.
 */
#include "../lib/ulib.h"

static int checks, failed;

static void check(int ok, int line, const char *expr)
{
	checks++;
	if (!ok) {
		failed++;
		printf("FAIL selftest.c:%d: %s\n", line, expr);
	}
}

static void check_eq(long a, long b, int line, const char *ea, const char *eb)
{
	checks++;
	if (a != b) {
		failed++;
		printf("FAIL selftest.c:%d: %s == %s (0x%lx != 0x%lx, errno %d)\n", line, ea, eb,
		       a, b, errno);
	}
}

#define CHECK(c) check(!!(c), __LINE__, #c)
#define CHECK_EQ(a, b) check_eq((long)(a), (long)(b), __LINE__, #a, #b)

#define NCOW 2048
static uint32_t cow_data[NCOW] = { 1 };     /* .data, two pages */
static uint8_t dz_bss[4 * 4096];            /* .bss, untouched until phase C */
static uint32_t *heap_buf;                  /* 3 pages */
static uint32_t *mm_buf;                    /* 2 mmap'd pages */
static int job_expect;

static void fill(uint32_t *p, int n, uint32_t salt)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint32_t)i * 2654435761u + salt;
}

static int same(const uint32_t *p, int n, uint32_t salt)
{
	for (int i = 0; i < n; i++)
		if (p[i] != (uint32_t)i * 2654435761u + salt)
			return 0;
	return 1;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Make sure the stack pages phase B uses exist before freeframes() is first read. */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile uint8_t buf[24 * 1024];

	for (size_t i = 0; i < sizeof(buf); i += 256)
		buf[i] = (uint8_t)i;
}

static long read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		long n = read(fd, (uint8_t *)buf + got, len - got);

		if (n <= 0)
			return got ? (long)got : n;
		got += (size_t)n;
	}
	return (long)got;
}

static void *unmapped_addr;

static void phase_a(void)
{
	int pid = getpid(), fds[2] = { -1, -1 }, st;
	uint8_t *b0, *b1, *p, *q;
	char buf[16];
	unsigned t0, t1;

	/* getpid */
	CHECK(pid > 0);
	CHECK_EQ(getpid(), pid);

	/* sbrk: growth, the new memory reads zero and keeps what is written */
	b0 = sbrk(0);
	CHECK(b0 != MAP_FAILED);
	b1 = sbrk(3 * PAGE_SIZE);
	CHECK_EQ(b1, b0);
	CHECK_EQ(sbrk(0), b0 + 3 * PAGE_SIZE);
	CHECK(all_zero(b0, 3 * PAGE_SIZE));
	for (int i = 0; i < 3 * 4096; i++)
		b0[i] = (uint8_t)(i * 7);
	{
		int ok = 1;

		for (int i = 0; i < 3 * 4096; i++)
			ok &= b0[i] == (uint8_t)(i * 7);
		CHECK(ok);
	}
	/* a larger growth: demand-zero pages, sampled sparsely */
	b1 = sbrk(1 << 20);
	CHECK(b1 != MAP_FAILED);
	if (b1 != MAP_FAILED) {
		int ok = 1;

		for (int i = 0; i < (1 << 20); i += 4096 + 4)
			ok &= b1[i] == 0;
		CHECK(ok);
		b1[(1 << 20) - 1] = 0x5a;
		CHECK_EQ(b1[(1 << 20) - 1], 0x5a);
	}
	errno = 0;
	CHECK(sbrk(0x70000000) == MAP_FAILED);
	CHECK_EQ(errno, TV_ENOMEM);

	/* .bss reads zero */
	CHECK(all_zero(dz_bss, 16) && dz_bss[0] == 0);

	/* malloc (and what the COW test needs) */
	heap_buf = malloc(3 * PAGE_SIZE);
	CHECK(heap_buf != 0);
	fill(heap_buf, 3 * 1024, 0x1000);
	fill(cow_data, NCOW, 0x2000);
	CHECK(same(cow_data, NCOW, 0x2000));

	/* mmap: zeroed, page-aligned, in the mmap region, disjoint; munmap */
	p = mmap(4 * PAGE_SIZE);
	CHECK(p != MAP_FAILED);
	CHECK(((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
	CHECK((uintptr_t)p >= TV_MMAP_BASE && (uintptr_t)p < 0x80000000u);
	q = mmap(2 * PAGE_SIZE);
	CHECK(q != MAP_FAILED);
	CHECK(q + 2 * PAGE_SIZE <= p || q >= p + 4 * PAGE_SIZE);
	if (p != MAP_FAILED && q != MAP_FAILED) {
		CHECK(all_zero(p, 4 * PAGE_SIZE));
		CHECK(all_zero(q, 2 * PAGE_SIZE));
		memset(p, 0xa5, 4 * PAGE_SIZE);
		CHECK(p[0] == 0xa5 && p[4 * PAGE_SIZE - 1] == 0xa5);
		CHECK(all_zero(q, 2 * PAGE_SIZE));
		CHECK_EQ(munmap(p, 4 * PAGE_SIZE), 0);
		unmapped_addr = p + PAGE_SIZE + 16;
		mm_buf = (uint32_t *)q;
		fill(mm_buf, 2 * 1024, 0x3000);
	}

	/* console write */
	CHECK_EQ(write("", 0), 0);
	errno = 0;
	CHECK_EQ(write((void *)0x80001000u, 4), -1);
	CHECK_EQ(errno, TV_EFAULT);

	/* ticks, yield, sleep */
	t0 = ticks();
	CHECK_EQ(yield(), 0);
	CHECK_EQ(sleep(2), 0);
	t1 = ticks();
	CHECK(t1 >= t0 + 2);
	CHECK(ticks() >= t1);

	/* a pipe within one process */
	CHECK_EQ(pipe(fds), 0);
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
	CHECK_EQ(writefd(fds[1], "hello", 5), 5);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(fds[0], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 6) == 0);
	CHECK_EQ(close(fds[1]), 0);
	CHECK_EQ(read(fds[0], buf, sizeof(buf)), 0);      /* EOF: no writer left */
	CHECK_EQ(close(fds[0]), 0);
	errno = 0;
	CHECK_EQ(read(fds[0], buf, 1), -1);
	CHECK_EQ(errno, TV_EBADF);
	errno = 0;
	CHECK_EQ(close(fds[0]), -1);
	CHECK_EQ(errno, TV_EBADF);

	/* no children; unknown program */
	errno = 0;
	CHECK_EQ(wait(&st), -1);
	CHECK_EQ(errno, TV_ECHILD);
	errno = 0;
	CHECK_EQ(exec2("no-such-program", 0, 0), -1);
	CHECK_EQ(errno, TV_ENOENT);

	/* what phase B's exec of job must return (job_work mallocs: do it now) */
	job_expect = job_work(7, 0);
}

/* fork: COW isolation both ways, synchronised by two pipes */
static void test_cow(void)
{
	int p2c[2], c2p[2], pid, parent = getpid(), st = -12345;
	uint32_t tok = 0;

	CHECK_EQ(pipe(p2c), 0);
	CHECK_EQ(pipe(c2p), 0);
	pid = fork();
	if (pid == 0) {
		int err = 0;
		uint32_t me = (uint32_t)getpid();

		close(p2c[1]);
		close(c2p[0]);
		if (!same(cow_data, NCOW, 0x2000) || !same(heap_buf, 3 * 1024, 0x1000) ||
		    !same(mm_buf, 2 * 1024, 0x3000))
			err |= 1;                      /* sees the parent's data */
		fill(cow_data, NCOW, 0xc000);
		fill(heap_buf, 3 * 1024, 0xc100);
		fill(mm_buf, 2 * 1024, 0xc200);
		if (!same(cow_data, NCOW, 0xc000) || !same(heap_buf, 3 * 1024, 0xc100) ||
		    !same(mm_buf, 2 * 1024, 0xc200))
			err |= 2;                      /* sees its own writes */
		if (me == (uint32_t)parent)
			err |= 4;
		if (!all_zero(dz_bss, sizeof(dz_bss)))
			err |= 8;                      /* demand-zero in the child */
		dz_bss[4096] = 0x77;
		writefd(c2p[1], &me, 4);
		if (read_full(p2c[0], &tok, 4) != 4 || tok != 0x600d)
			err |= 16;
		/* the parent has written its copies by now */
		if (!same(cow_data, NCOW, 0xc000) || !same(heap_buf, 3 * 1024, 0xc100) ||
		    !same(mm_buf, 2 * 1024, 0xc200) || dz_bss[4096] != 0x77)
			err |= 32;
		exit(err);
	}
	CHECK(pid > 0);
	CHECK_EQ(close(p2c[0]), 0);
	CHECK_EQ(close(c2p[1]), 0);
	CHECK_EQ(read_full(c2p[0], &tok, 4), 4);
	CHECK_EQ(tok, pid);                       /* the child's getpid() */
	/* the child has written its copies: ours are unchanged */
	CHECK(same(cow_data, NCOW, 0x2000));
	CHECK(same(heap_buf, 3 * 1024, 0x1000));
	CHECK(same(mm_buf, 2 * 1024, 0x3000));
	fill(cow_data, NCOW, 0xa000);
	fill(heap_buf, 3 * 1024, 0xa100);
	fill(mm_buf, 2 * 1024, 0xa200);
	tok = 0x600d;
	CHECK_EQ(writefd(p2c[1], &tok, 4), 4);
	CHECK_EQ(wait(&st), pid);
	CHECK_EQ(st, 0);                          /* child's bit mask of failures */
	CHECK(same(cow_data, NCOW, 0xa000));
	CHECK(same(heap_buf, 3 * 1024, 0xa100));
	CHECK(same(mm_buf, 2 * 1024, 0xa200));
	CHECK_EQ(close(p2c[1]), 0);
	CHECK_EQ(close(c2p[0]), 0);
}

/* several children at once, each with its own status */
static void test_children(void)
{
	int pids[5], parent = getpid(), seen = 0;

	for (int i = 0; i < 5; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			volatile uint8_t *m = malloc(64 * 1024);

			if (getpid() == parent || !m)
				exit(99);
			for (int k = 0; k < 64 * 1024; k += 4096)
				m[k] = (uint8_t)k;
			if (i & 1)
				yield();
			exit(10 + i);
		}
		CHECK(pids[i] > 0);
	}
	for (int n = 0; n < 5; n++) {
		int st = -12345, w = wait(&st), i;

		for (i = 0; i < 5 && pids[i] != w; i++)
			;
		CHECK(i < 5);
		if (i < 5) {
			CHECK_EQ(st, 10 + i);
			CHECK(!(seen & (1 << i)));
			seen |= 1 << i;
		}
	}
	CHECK_EQ(seen, 0x1f);
	errno = 0;
	CHECK_EQ(wait(0), -1);
	CHECK_EQ(errno, TV_ECHILD);
}

static void test_exec(void)
{
	int st = -12345, pid = fork();

	if (pid == 0) {
		exec2("job", "seed=7", "quiet=1");
		exit(254);
	}
	CHECK(pid > 0);
	CHECK_EQ(wait(&st), pid);
	CHECK_EQ(st, job_expect);
}

/* a child that touches addr must be killed by the kernel */
static void expect_killed(uintptr_t addr, int store, int line)
{
	int st = 0, pid = fork();

	if (pid == 0) {
		if (store)
			*(volatile uint32_t *)addr = 1;
		else
			(void)*(volatile uint32_t *)addr;
		exit(77);
	}
	check(pid > 0, line, "fork");
	check_eq(wait(&st), pid, line, "wait(&st)", "pid");
	check_eq(st, TV_STATUS_KILLED, line, "status", "TV_STATUS_KILLED");
}

static void test_kill(void)
{
	int st = 0, pid = fork();

	if (pid == 0) {
		for (;;)
			yield();
	}
	CHECK(pid > 0);
	CHECK_EQ(yield(), 0);
	CHECK_EQ(kill(pid), 0);
	CHECK_EQ(wait(&st), pid);
	CHECK_EQ(st, -1);
	CHECK(kill(pid) < 0);                     /* reaped: no such process */
}

/* more than a page through a pipe between two processes; EOF when the writer exits */
static void test_pipe_xfer(void)
{
	enum { TOTAL = 3 * 4096 + 100 };
	int fds[2], st = -12345, pid;
	uint32_t h = FNV_INIT, hc = FNV_INIT;
	uint8_t chunk[1000];
	long got = 0, n;

	CHECK_EQ(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (int off = 0; off < TOTAL;) {
			int len = TOTAL - off < 1000 ? TOTAL - off : 1000;

			for (int i = 0; i < len; i++)
				chunk[i] = (uint8_t)((off + i) * 13);
			n = writefd(fds[1], chunk, (size_t)len);
			if (n <= 0)
				exit(1);
			off += (int)n;    /* a partial write resends the rest */
		}
		exit(0);
	}
	CHECK(pid > 0);
	CHECK_EQ(close(fds[1]), 0);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0) {
		h = fnv1a(h, chunk, (size_t)n);
		got += n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(got, TOTAL);
	for (int i = 0; i < TOTAL; i++) {
		uint8_t c = (uint8_t)(i * 13);

		hc = fnv1a(hc, &c, 1);
	}
	CHECK_EQ(h, hc);
	CHECK_EQ(wait(&st), pid);
	CHECK_EQ(st, 0);
	CHECK_EQ(close(fds[0]), 0);
}

int main(void)
{
	long f0, f1;

	touch_stack();
	phase_a();

	f0 = freeframes();
	CHECK(f0 > 0);
	test_cow();
	test_children();
	test_exec();
	if (unmapped_addr)
		expect_killed((uintptr_t)unmapped_addr, 0, __LINE__);   /* munmap'd */
	expect_killed(0, 1, __LINE__);                                /* NULL store */
	expect_killed(0x80000000u, 0, __LINE__);                      /* kseg0 load */
	expect_killed(0x20000000u, 1, __LINE__);                      /* never mapped */
	test_kill();
	test_pipe_xfer();
	f1 = freeframes();
	CHECK_EQ(f1, f0);                                             /* no frame lost */

	/* phase C: the child's demand-zero page never reached the parent */
	CHECK(all_zero(dz_bss, sizeof(dz_bss)));

	printf("selftest: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
