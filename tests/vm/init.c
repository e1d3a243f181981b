/* init.c - PID 1 of the test VM (tests/vm/vm.sh). A Debian kernel boots
 * with this as its initramfs: it loads the modules listed in /m/order
 * (virtio, 9p, overlay), mounts the host's root file system over 9p
 * read-only under a tmpfs overlay, enters it with fresh /proc, /sys, /dev
 * and /run and the job directory (9p tag "job", read-write) on /mnt, runs /bin/sh /mnt/job.sh
 * with its output on the console, writes its exit status to /mnt/rc and
 * powers off. So the host's own programs (ip, tcpdump, pppd, openssl,
 * badmac) run under a kernel that has the tunnel modules this machine's
 * kernel lacks. Nothing here reads untrusted input. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, const char *arg)
{
    fprintf(stderr, "vm-init: %s %s\n", what, arg ? arg : "");
}

static void load_modules(void)
{
    FILE *f = fopen("/m/order", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char path[300];
        snprintf(path, sizeof path, "/m/%s", line);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
            say("cannot load", path);
        if (fd >= 0)
            close(fd);
    }
    if (f)
        fclose(f);
}

static int mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *opts)
{
    if (mount(src, dst, type, flags, opts) == 0)
        return 0;
    fprintf(stderr, "vm-init: cannot mount %s on %s: %s\n", src, dst, strerror(errno));
    return -1;
}

int main(void)
{
    const char *p9 = "trans=virtio,version=9p2000.L,msize=262144";
    char ro_opts[128], job_opts[128];
    snprintf(ro_opts, sizeof ro_opts, "%s,cache=loose", p9);
    snprintf(job_opts, sizeof job_opts, "%s", p9);
    (void)mnt("proc", "/proc", "proc", 0, NULL);
    (void)mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int con = open("/dev/console", O_RDWR);
    if (con >= 0) {
        dup2(con, 1);
        dup2(con, 2);
    }
    load_modules();
    /* the host's root read-only, under a tmpfs that takes the writes: the
     * whole tree (/tmp too, where a test's clone may live) as the host has
     * it, writable, and nothing written reaches the host */
    if (mnt("hostroot", "/lower", "9p", MS_RDONLY, ro_opts) != 0 || mnt("tmpfs", "/rw", "tmpfs", 0, "mode=755") != 0 ||
        mkdir("/rw/upper", 0755) != 0 || mkdir("/rw/work", 0755) != 0 ||
        mnt("overlay", "/host", "overlay", 0, "lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work") != 0 ||
        chroot("/host") != 0 || chdir("/") != 0) {
        reboot(RB_POWER_OFF);
        return 1;
    }
    (void)mnt("proc", "/proc", "proc", 0, NULL);
    (void)mnt("sysfs", "/sys", "sysfs", 0, NULL);
    (void)mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    (void)mkdir("/dev/pts", 0755);
    (void)mnt("devpts", "/dev/pts", "devpts", 0, NULL);
    (void)mnt("tmpfs", "/run", "tmpfs", 0, "mode=755");
    (void)mnt("job", "/mnt", "9p", 0, job_opts);
    (void)mkdir("/run/netns", 0755);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
        setenv("HOME", "/tmp", 1);
        execl("/bin/sh", "sh", "/mnt/job.sh", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0)
        ;
    FILE *rc = fopen("/mnt/rc", "w");
    if (rc) {
        fprintf(rc, "%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        fclose(rc);
    }
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
