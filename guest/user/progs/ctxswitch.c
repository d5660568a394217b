/*
 * ctxswitch n=N (default 1000): two processes ping-pong N tokens through two pipes
 * (parent -> child, child -> parent; every exchange blocks one side, so each round trip
 * costs at least two context switches).  The child answers token t with
 * t * 2654435761 + 1; the parent checks each answer.  When pipe() fails the two
 * processes instead yield N times each (mode=yield) and the checksum covers the tokens
 * computed locally.
 */
#include "../lib/ulib.h"

static uint32_t answer(uint32_t t)
{
	return t * 2654435761u + 1;
}

static int xfer(int fd, void *buf, int rd)
{
	size_t got = 0;

	while (got < 4) {
		long n = rd ? read(fd, (uint8_t *)buf + got, 4 - got)
			    : writefd(fd, (uint8_t *)buf + got, 4 - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = arg(argc, argv, "n", 1000);
	int p2c[2], c2p[2], pid, st = -12345;
	uint32_t h = FNV_INIT, tok = 1, bad = 0;

	if (pipe(p2c) < 0 || pipe(c2p) < 0) {
		pid = fork();
		if (pid < 0) {
			printf("ctxswitch: FAIL fork: errno %d\n", errno);
			return 1;
		}
		for (long i = 0; i < n; i++) {
			yield();
			if (pid)
				h = fnv1a_u32(h, answer((uint32_t)i));
		}
		if (pid == 0)
			exit(0);
		if (wait(&st) != pid || st != 0)
			bad++;
		printf("ctxswitch: n=%ld mode=yield%s checksum=0x%08x\n", n, bad ? " FAIL" : "", h);
		return bad ? 1 : 0;
	}
	pid = fork();
	if (pid < 0) {
		printf("ctxswitch: FAIL fork: errno %d\n", errno);
		return 1;
	}
	if (pid == 0) {
		uint32_t t;

		close(p2c[1]);
		close(c2p[0]);
		while (xfer(p2c[0], &t, 1) == 0) {
			t = answer(t);
			if (xfer(c2p[1], &t, 0) < 0)
				exit(2);
		}
		exit(0);                        /* EOF: the parent closed its end */
	}
	close(p2c[0]);
	close(c2p[1]);
	for (long i = 0; i < n; i++) {
		uint32_t a = 0;

		if (xfer(p2c[1], &tok, 0) < 0 || xfer(c2p[0], &a, 1) < 0) {
			printf("ctxswitch: FAIL pipe transfer at round %ld\n", i);
			return 1;
		}
		bad += a != answer(tok);
		h = fnv1a_u32(h, a);
		tok = a ^ (uint32_t)i;
	}
	close(p2c[1]);
	if (wait(&st) != pid || st != 0)
		bad++;
	close(c2p[0]);
	if (bad) {
		printf("ctxswitch: FAIL %u bad answers or child status %d\n", bad, st);
		return 1;
	}
	printf("ctxswitch: n=%ld mode=pipe checksum=0x%08x\n", n, h);
	return 0;
}
