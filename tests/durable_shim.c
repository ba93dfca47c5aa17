/* A power-cut model for tests/test_power_cut.py, loaded with LD_PRELOAD into a child process.
 *
 * What survives a power cut is what was fsync'ed: the rest may still be in the page cache and is lost.
 * This shim wraps fsync() and fdatasync(): after a successful sync of a regular file whose path starts
 * with $DURABLE_PREFIX, it copies the file's whole content to "<path>.durable" (a write to a temporary
 * name, then a rename, so a kill mid-copy leaves the previous copy). The .durable files are therefore
 * exactly the disk as a power cut would leave it; the test rebuilds the database from them alone.
 * $DURABLE_COUNT names a file that gets one line per sync (path), for counting.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void keep_durable_copy(int fd) {
    const char *prefix = getenv("DURABLE_PREFIX");
    char link[64], path[PATH_MAX], tmp[PATH_MAX + 32], dst[PATH_MAX + 32], buf[65536];
    struct stat st;
    if (prefix == NULL || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = '\0';
    if (strncmp(path, prefix, strlen(prefix)) != 0) return;
    snprintf(tmp, sizeof tmp, "%s.durable-tmp", path);
    snprintf(dst, sizeof dst, "%s.durable", path);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) return;
    off_t offset = 0;
    ssize_t got;
    while ((got = pread(fd, buf, sizeof buf, offset)) > 0) {
        if (write(out, buf, (size_t)got) != got) break;
        offset += got;
    }
    close(out);
    rename(tmp, dst);
    const char *count = getenv("DURABLE_COUNT");
    if (count != NULL) {
        FILE *f = fopen(count, "a");
        if (f != NULL) {
            fprintf(f, "%s\n", path);
            fclose(f);
        }
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int rc = real(fd);
    if (rc == 0) keep_durable_copy(fd);
    return rc;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    int rc = real(fd);
    if (rc == 0) keep_durable_copy(fd);
    return rc;
}
