/*
 * pipe.c - pipes: a one-page ring buffer (a frame from the allocator) per pipe, with
 * reader/writer reference counts. Per-process descriptors 0..NFD-1 name pipe ends
 * (there are no console descriptors: write() is the console).
 */
#include "kernel.h"

#define NPIPE 64

struct pipe {
	int used;
	uint8_t *buf;          /* kseg0, PAGE_SIZE bytes */
	uint32_t rpos, wpos;   /* free-running byte counters */
	int readers, writers;
};

static struct pipe pipes[NPIPE];

static struct pipe_end *get_fd(int fd, int write)
{
	struct pipe_end *e;

	if (fd < 0 || fd >= NFD)
		return 0;
	e = &curproc->fd[fd];
	if (!e->pipe || e->write != write)
		return 0;
	return e;
}

static void end_close(struct pipe_end *e)
{
	struct pipe *pp = e->pipe;

	if (!pp)
		return;
	if (e->write)
		pp->writers--;
	else
		pp->readers--;
	e->pipe = 0;
	wakeup(pp);
	if (!pp->readers && !pp->writers) {
		frame_unref(PHYS(pp->buf));
		pp->used = 0;
	}
}

int sys_pipe(uint32_t ufds)
{
	struct proc *p = curproc;
	int fds[2], n = 0, i, err;
	struct pipe *pp = 0;
	uint32_t pa;

	for (i = 0; i < NFD && n < 2; i++)
		if (!p->fd[i].pipe)
			fds[n++] = i;
	if (n < 2)
		return -TV_EMFILE;
	for (i = 0; i < NPIPE; i++)
		if (!pipes[i].used) {
			pp = &pipes[i];
			break;
		}
	if (!pp || !(pa = frame_alloc()))
		return -TV_ENOMEM;
	pp->used = 1;
	pp->buf = (uint8_t *)KSEG0(pa);
	pp->rpos = pp->wpos = 0;
	pp->readers = pp->writers = 1;
	p->fd[fds[0]].pipe = pp;
	p->fd[fds[0]].write = 0;
	p->fd[fds[1]].pipe = pp;
	p->fd[fds[1]].write = 1;
	if ((err = copyout(&p->mm, ufds, fds, sizeof(fds))) < 0) {
		end_close(&p->fd[fds[0]]);
		end_close(&p->fd[fds[1]]);
		return err;
	}
	return 0;
}

int sys_read(int fd, uint32_t ubuf, uint32_t len)
{
	struct pipe_end *e = get_fd(fd, 0);
	struct pipe *pp;
	uint32_t n, done = 0;

	if (!e)
		return -TV_EBADF;
	pp = e->pipe;
	if (len == 0)
		return 0;
	while (pp->wpos == pp->rpos) {
		if (!pp->writers)
			return 0;
		if (curproc->killed)
			return -TV_EINVAL;
		sleep_on(pp);
	}
	n = pp->wpos - pp->rpos;
	if (n > len)
		n = len;
	while (done < n) {
		uint32_t off = pp->rpos % PAGE_SIZE, chunk = PAGE_SIZE - off;
		int err;

		if (chunk > n - done)
			chunk = n - done;
		if ((err = copyout(&curproc->mm, ubuf + done, pp->buf + off, chunk)) < 0)
			return err;
		pp->rpos += chunk;
		done += chunk;
	}
	wakeup(pp);
	return (int)n;
}

int sys_writefd(int fd, uint32_t ubuf, uint32_t len)
{
	struct pipe_end *e = get_fd(fd, 1);
	struct pipe *pp;
	uint32_t done = 0;

	if (!e)
		return -TV_EBADF;
	pp = e->pipe;
	while (done < len) {
		uint32_t space, off, chunk;
		int err;

		if (!pp->readers)
			return done ? (int)done : -TV_EINVAL;   /* broken pipe */
		if (curproc->killed)
			return -TV_EINVAL;
		space = PAGE_SIZE - (pp->wpos - pp->rpos);
		if (!space) {
			wakeup(pp);
			sleep_on(pp);
			continue;
		}
		off = pp->wpos % PAGE_SIZE;
		chunk = PAGE_SIZE - off;
		if (chunk > space)
			chunk = space;
		if (chunk > len - done)
			chunk = len - done;
		if ((err = copyin(&curproc->mm, pp->buf + off, ubuf + done, chunk)) < 0)
			return done ? (int)done : err;
		pp->wpos += chunk;
		done += chunk;
	}
	wakeup(pp);
	return (int)done;
}

int sys_close(int fd)
{
	if (fd < 0 || fd >= NFD || !curproc->fd[fd].pipe)
		return -TV_EBADF;
	end_close(&curproc->fd[fd]);
	return 0;
}

void fd_dup_all(struct proc *child, struct proc *parent)
{
	int i;

	for (i = 0; i < NFD; i++) {
		child->fd[i] = parent->fd[i];
		if (child->fd[i].pipe) {
			if (child->fd[i].write)
				child->fd[i].pipe->writers++;
			else
				child->fd[i].pipe->readers++;
		}
	}
}

void fd_close_all(struct proc *p)
{
	int i;

	for (i = 0; i < NFD; i++)
		end_close(&p->fd[i]);
}
