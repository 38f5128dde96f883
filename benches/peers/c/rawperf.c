/*
 * rawperf: raw-IPv4 traffic generator and counter, the C peer of
 * `ipv4kit send` / `ipv4kit sink`.
 *
 *   rawperf send --dst ADDR [--protocol N] [--size BYTES] [--batch N]
 *                [--count N | --duration-s S] [--ttl N]
 *   rawperf sink [--protocol N] [--batch N] [--duration-s S]
 *                [--idle-timeout-ms N]
 *
 * send opens socket(AF_INET, SOCK_RAW, proto) with IP_HDRINCL, builds one
 * datagram of `size` bytes (20-byte IPv4 header, zero payload) and hands it
 * to sendmmsg() `batch` times per call until the count or the duration is
 * reached. The kernel fills in total length, checksum, source and ID.
 *
 * sink opens a raw socket for the protocol with a large receive buffer and
 * drains it with recvmmsg(); it stops after the duration, or once packets
 * have arrived and none came for the idle timeout, or on SIGINT/SIGTERM.
 *
 * Both print one final line on stdout:  packets=N seconds=S pps=P
 * For send, seconds is the time spent sending; for sink it is the time from
 * the first received batch to the last one. Diagnostics go to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MAX_BATCH 1024
#define SLOT_BYTES 2048 /* per received datagram; longer ones are counted, truncated */
#define RCVBUF_BYTES (64 * 1024 * 1024)

struct opts {
    const char *dst;
    long protocol;
    long size;
    long batch;
    long count;         /* 0: unbounded */
    double duration_s;  /* 0: unbounded */
    long ttl;
    long idle_ms;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: rawperf send --dst ADDR [--protocol N] [--size BYTES] [--batch N]\n"
            "                    [--count N | --duration-s S] [--ttl N]\n"
            "       rawperf sink [--protocol N] [--batch N] [--duration-s S]\n"
            "                    [--idle-timeout-ms N]\n");
    exit(2);
}

/* Parse a whole decimal integer in [lo, hi] or exit with a message. */
static long parse_long(const char *flag, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "rawperf: %s wants an integer in %ld..%ld, got '%s'\n", flag, lo, hi, s);
        exit(2);
    }
    return v;
}

static double parse_seconds(const char *flag, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *s == '\0' || *end != '\0' || !(v >= 0.0) || v > 1e6) {
        fprintf(stderr, "rawperf: %s wants seconds >= 0, got '%s'\n", flag, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv, int is_send, struct opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(f, "--protocol") == 0)
            o->protocol = parse_long(f, v, 1, 255);
        else if (strcmp(f, "--batch") == 0)
            o->batch = parse_long(f, v, 1, MAX_BATCH);
        else if (strcmp(f, "--duration-s") == 0)
            o->duration_s = parse_seconds(f, v);
        else if (is_send && strcmp(f, "--dst") == 0)
            o->dst = v;
        else if (is_send && strcmp(f, "--size") == 0)
            o->size = parse_long(f, v, 20, 65535);
        else if (is_send && strcmp(f, "--count") == 0)
            o->count = parse_long(f, v, 1, LONG_MAX);
        else if (is_send && strcmp(f, "--ttl") == 0)
            o->ttl = parse_long(f, v, 1, 255);
        else if (!is_send && strcmp(f, "--idle-timeout-ms") == 0)
            o->idle_ms = parse_long(f, v, 1, 3600 * 1000);
        else {
            fprintf(stderr, "rawperf: unknown flag %s\n", f);
            usage();
        }
    }
}

static void print_summary(unsigned long long packets, double seconds)
{
    unsigned long long pps = seconds > 0.0 ? (unsigned long long)((double)packets / seconds + 0.5) : 0;
    printf("packets=%llu seconds=%.3f pps=%llu\n", packets, seconds, pps);
    fflush(stdout);
}

static int open_raw(long protocol)
{
    int fd = socket(AF_INET, SOCK_RAW, (int)protocol);
    if (fd < 0) {
        perror("rawperf: socket(AF_INET, SOCK_RAW)");
        exit(1);
    }
    return fd;
}

static int run_send(const struct opts *o)
{
    struct sockaddr_in dst = {.sin_family = AF_INET};
    if (o->dst == NULL || inet_pton(AF_INET, o->dst, &dst.sin_addr) != 1) {
        fprintf(stderr, "rawperf: send needs --dst with an IPv4 address\n");
        return 2;
    }
    if (o->count > 0 && o->duration_s > 0.0) {
        fprintf(stderr, "rawperf: give --count or --duration-s, not both\n");
        return 2;
    }

    int fd = open_raw(o->protocol);
    int on = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) < 0) {
        perror("rawperf: IP_HDRINCL");
        return 1;
    }

    /* One datagram, reused by every slot of the batch: a 20-byte header and
     * a zero payload. Zero source, ID and checksum are filled in by the
     * kernel; it also rewrites tot_len, which we set correctly anyway. */
    unsigned char *pkt = calloc(1, (size_t)o->size);
    if (pkt == NULL) {
        perror("rawperf: calloc");
        return 1;
    }
    struct iphdr *ip = (struct iphdr *)pkt;
    ip->version = 4;
    ip->ihl = 5;
    ip->tot_len = htons((uint16_t)o->size);
    ip->ttl = (uint8_t)o->ttl;
    ip->protocol = (uint8_t)o->protocol;
    ip->daddr = dst.sin_addr.s_addr;

    struct iovec iov = {.iov_base = pkt, .iov_len = (size_t)o->size};
    struct mmsghdr *msgs = calloc((size_t)o->batch, sizeof *msgs);
    if (msgs == NULL) {
        perror("rawperf: calloc");
        return 1;
    }
    for (long i = 0; i < o->batch; i++) {
        msgs[i].msg_hdr.msg_name = &dst;
        msgs[i].msg_hdr.msg_namelen = sizeof dst;
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    /* Neither bound given: five seconds, like the bench script's default. */
    double duration = (o->count == 0 && o->duration_s == 0.0) ? 5.0 : o->duration_s;
    unsigned long long sent = 0, nobufs = 0;
    double start = now_s(), end = start;
    while (!stop_requested) {
        unsigned int n = (unsigned int)o->batch;
        if (o->count > 0) {
            unsigned long long left = (unsigned long long)o->count - sent;
            if (left == 0)
                break;
            if (left < n)
                n = (unsigned int)left;
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r > 0) {
            sent += (unsigned long long)r;
        } else if (r < 0 && errno == ENOBUFS) {
            nobufs++; /* a full device queue: try again */
        } else if (r < 0 && errno != EINTR) {
            perror("rawperf: sendmmsg");
            break;
        }
        end = now_s();
        if (duration > 0.0 && end - start >= duration)
            break;
    }
    if (nobufs > 0)
        fprintf(stderr, "rawperf: %llu sendmmsg calls failed with ENOBUFS\n", nobufs);
    print_summary(sent, end - start);
    close(fd);
    return 0;
}

static int run_sink(const struct opts *o)
{
    int fd = open_raw(o->protocol);

    /* Ask for a large receive buffer, past rmem_max when we may (root). */
    int rcvbuf = RCVBUF_BYTES;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
        perror("rawperf: SO_RCVBUF");

    size_t batch = (size_t)o->batch;
    unsigned char *arena = malloc(batch * SLOT_BYTES);
    struct iovec *iovs = calloc(batch, sizeof *iovs);
    struct mmsghdr *msgs = calloc(batch, sizeof *msgs);
    if (arena == NULL || iovs == NULL || msgs == NULL) {
        perror("rawperf: alloc");
        return 1;
    }
    for (size_t i = 0; i < batch; i++) {
        iovs[i].iov_base = arena + i * SLOT_BYTES;
        iovs[i].iov_len = SLOT_BYTES;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    unsigned long long received = 0;
    double start = now_s(), first = 0.0, last = 0.0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (!stop_requested) {
        /* Wait for the queue to become readable: until the duration ends,
         * and once traffic has started, for at most the idle timeout. */
        double now = now_s();
        int bounded = 0;
        double wait_s = 0.0;
        if (o->duration_s > 0.0) {
            bounded = 1;
            wait_s = start + o->duration_s - now;
        }
        if (received > 0) {
            double idle_left = last + (double)o->idle_ms / 1e3 - now;
            if (!bounded || idle_left < wait_s)
                wait_s = idle_left;
            bounded = 1;
        }
        if (bounded && wait_s <= 0.0)
            break;
        int timeout_ms = bounded ? (int)(wait_s * 1e3) + 1 : -1;
        int pr = poll(&pfd, 1, timeout_ms);
        if (pr < 0 && errno != EINTR) {
            perror("rawperf: poll");
            break;
        }
        if (pr <= 0)
            continue; /* timeout or signal: the checks above decide */

        /* Drain everything queued without blocking. */
        for (;;) {
            int r = recvmmsg(fd, msgs, (unsigned int)batch, MSG_DONTWAIT, NULL);
            if (r < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    perror("rawperf: recvmmsg");
                    stop_requested = 1;
                }
                break;
            }
            last = now_s();
            if (received == 0)
                first = last;
            received += (unsigned long long)r;
            if (r < (int)batch || stop_requested)
                break;
        }
    }
    print_summary(received, received > 0 ? last - first : 0.0);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    int is_send = strcmp(argv[1], "send") == 0;
    if (!is_send && strcmp(argv[1], "sink") != 0)
        usage();

    struct opts o = {
        .protocol = 253, /* RFC 3692 experimentation */
        .size = 48,
        .batch = 64,
        .ttl = 64,
        .idle_ms = 1000,
    };
    parse_args(argc, argv, is_send, &o);

    /* No SA_RESTART: a signal interrupts poll/sendmmsg and we print totals. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    return is_send ? run_send(&o) : run_sink(&o);
}
