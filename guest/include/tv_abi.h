/*
 * tv_abi.h - the contract between the tlbvisor guest kernel (guest/kernel) and its user
 * programs (guest/user). Both sides include this file and nothing else of the other.
 *
 * User programs
 *   Static MIPS32r2 little-endian ELF executables, linked at TV_USER_BASE (useg) with
 *   guest/user/user.ld, entry _start. The kernel embeds them (built-in programs) and
 *   `exec`s them by name. PT_LOAD segments are loaded and their bss (memsz beyond filesz)
 *   is zero-filled; the initial break is the page after the highest segment. At entry:
 *   $sp = TV_USER_STACK_TOP, pointing at the argument page [TOP, TOP + 4 KiB): argc, then
 *   argv[0..argc-1] pointers, then NULL, then the strings; argv[0] is the program name;
 *   $a0 = argc, $a1 = argv. The stack grows down from TOP. Returning from main calls
 *   exit(main's value). wait() stores the full int given to exit (TV_STATUS_KILLED for a
 *   process the kernel killed, or one ended by kill()). File descriptors 0..15 name pipe
 *   ends only; the console is reached with TV_SYS_WRITE.
 *
 * System calls
 *   `syscall` with $v0 = TV_SYS_* number, arguments in $a0..$a3. On return $v0 holds the
 *   result: >= 0 on success, -TV_E* on failure. Only $v0, $v1 and $at may be clobbered
 *   (plus $k0/$k1, which user code never uses); the kernel resumes at EPC + 4.
 */
#ifndef TV_ABI_H
#define TV_ABI_H

#define TV_USER_BASE       0x00400000u   /* text of every user program */
#define TV_USER_STACK_TOP  0x7FFF0000u   /* initial $sp (grows down, demand-zero) */
#define TV_USER_STACK_MAX  (1u << 20)    /* stack may grow to 1 MiB */
#define TV_MMAP_BASE       0x40000000u   /* anonymous mmap region (grows up) */
#define TV_MAX_ARGS        16
#define TV_MAX_ARG_BYTES   256           /* all argument strings together */
#define TV_NAME_MAX        32

/* System call numbers. */
#define TV_SYS_EXIT        1   /* exit(status): never returns */
#define TV_SYS_FORK        2   /* fork(): child pid in the parent, 0 in the child (COW) */
#define TV_SYS_EXEC        3   /* exec(name, argv): replaces the image; argv NULL-ended */
#define TV_SYS_WAIT        4   /* wait(int *status): pid of a reaped child, -TV_ECHILD */
#define TV_SYS_GETPID      5   /* getpid() */
#define TV_SYS_SBRK        6   /* sbrk(increment): old break, or -TV_ENOMEM */
#define TV_SYS_MMAP        7   /* mmap(length): address of anonymous zero pages */
#define TV_SYS_MUNMAP      8   /* munmap(addr, length): 0 */
#define TV_SYS_WRITE       9   /* write(buf, len): bytes written to the console */
#define TV_SYS_YIELD       10  /* yield(): 0 */
#define TV_SYS_SLEEP       11  /* sleep(ticks): 0 after at least ticks timer ticks */
#define TV_SYS_TICKS       12  /* ticks(): timer ticks since boot */
#define TV_SYS_PIPE        13  /* pipe(int fds[2]): 0 (a one-page kernel buffer) */
#define TV_SYS_READ        14  /* read(fd, buf, len): bytes read from a pipe, 0 at EOF */
#define TV_SYS_WRITEFD     15  /* writefd(fd, buf, len): bytes written to a pipe */
#define TV_SYS_CLOSE       16  /* close(fd): 0 */
#define TV_SYS_FREEFRAMES  17  /* freeframes(): physical frames currently free */
#define TV_SYS_KILL        18  /* kill(pid): 0 (the process exits with status -1) */

/* Errors (returned negated). */
#define TV_ENOMEM   12
#define TV_EINVAL   22
#define TV_ECHILD   10
#define TV_ENOENT   2
#define TV_EFAULT   14
#define TV_EAGAIN   11
#define TV_EBADF    9
#define TV_EMFILE   24

/* Exit status of a process the kernel killed (bad address, illegal instruction, out of
 * memory): the kernel prints "killed: pid N (NAME): REASON" on the console first. */
#define TV_STATUS_KILLED   (-1)

#endif
