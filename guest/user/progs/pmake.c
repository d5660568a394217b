/*
 * pmake workers=P (default 4) jobs=J (default 16): a parallel-make-like mix.  Keeps up to
 * P children running; child k (k = 0..J-1) execs `job seed=k quiet=1`; whenever one is
 * reaped the next is started.  The checksum combines (k, status) commutatively, so it does
 * not depend on the order in which jobs finish.  Each status is also checked against
 * job_work(k) computed in this process (check=0 skips that, to keep the parent small).
 */
#include "../lib/ulib.h"

#define MAXW 64

int main(int argc, char **argv)
{
	long workers = arg(argc, argv, "workers", 4);
	long jobs = arg(argc, argv, "jobs", 16);
	long check = arg(argc, argv, "check", 1);
	int pids[MAXW], seeds[MAXW];
	long next = 0, running = 0, done = 0, bad = 0;
	uint32_t sum = 0, mix = 0;
	char seedarg[24];

	if (workers < 1 || workers > MAXW) {
		printf("pmake: FAIL workers must be 1..%d\n", MAXW);
		return 1;
	}
	for (int i = 0; i < MAXW; i++)
		pids[i] = 0;
	while (next < jobs || running > 0) {
		while (next < jobs && running < workers) {
			int slot = 0, pid;

			while (pids[slot])
				slot++;
			snprintf(seedarg, sizeof(seedarg), "seed=%ld", next);
			pid = fork();
			if (pid == 0) {
				exec2("job", seedarg, "quiet=1");
				exit(256 + 255);   /* exec failed: a status no job returns */
			}
			if (pid < 0) {
				printf("pmake: FAIL fork: errno %d\n", errno);
				return 1;
			}
			pids[slot] = pid;
			seeds[slot] = (int)next++;
			running++;
		}
		{
			int st = -12345, w = wait(&st), slot;

			for (slot = 0; slot < MAXW && (pids[slot] == 0 || pids[slot] != w); slot++)
				;
			if (w < 0 || slot == MAXW) {
				printf("pmake: FAIL wait returned %d (errno %d)\n", w, errno);
				return 1;
			}
			if (check && st != job_work((uint32_t)seeds[slot], 0))
				bad++;
			sum += (uint32_t)st;
			mix += fnv1a_u32(fnv1a_u32(FNV_INIT, (uint32_t)seeds[slot]), (uint32_t)st);
			pids[slot] = 0;
			running--;
			done++;
		}
	}
	if (bad) {
		printf("pmake: FAIL %ld jobs returned an unexpected status\n", bad);
		return 1;
	}
	printf("pmake: workers=%ld jobs=%ld done=%ld sum=%u checksum=0x%08x\n", workers, jobs,
	       done, sum, mix);
	return 0;
}
