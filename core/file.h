/* file.h - reading an input file (a guest image, a cost profile) without ever hanging or
 * reading without bound.
 *
 * Accepted: regular files, and pipes or FIFOs (`<(cat x.elf)`, /dev/stdin from a pipe).
 * Refused at once with a message: directories, character and block devices (/dev/zero,
 * a terminal), sockets. A FIFO is opened without blocking (no writer: it reads as empty)
 * and every read from a pipe waits at most FILE_PIPE_TIMEOUT_MS for data, so a pipe that
 * never delivers ends in an error, not a hang. */
#ifndef TLBVISOR_FILE_H
#define TLBVISOR_FILE_H

#include <stddef.h>
#include <stdint.h>

#define FILE_PIPE_TIMEOUT_MS 10000

/* Reads the whole of path into a malloc'd buffer (*buf, *len; one NUL byte is added after
 * the data, not counted in *len). what names the file's kind in messages ("image").
 * More than max_bytes is an error; so is a file whose first bytes do not start with
 * magic (magic_len bytes; NULL for none) ends the read as soon as they arrive (the
 * caller's parser then says what is wrong), so that a stream of garbage is given up after
 * a few bytes. Returns 0, or -1 with the reason in err, without the path (file_msg). */
int file_read_all(const char *path, const char *what, size_t max_bytes, const void *magic,
                  size_t magic_len, uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Writes "path: reason" into dst; a path too long for dst loses its middle ("..."), never
 * the reason. */
void file_msg(char *dst, size_t dstlen, const char *path, const char *reason);

/* Are a and b the same file (same device and inode)? 0 if either does not exist. */
int file_same(const char *a, const char *b);

#endif
