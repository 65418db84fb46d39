/*
 * sched_peer.c - DPDK's hierarchical scheduler rte_sched on the hierarchy and traffic our queueing
 * benchmark gives our fast path (tools/bench/queueing.py; dpdk_sched.py drives this program).
 *
 * Usage: sched_peer PACKETS.bin KEY=VALUE... -- EAL-ARGS...
 *
 *   PACKETS.bin  struct sched_rec[] below, native byte order, in arrival order
 *   pipes=N      sessions (rte_sched pipes) under one port and one subport
 *   rate=BPS     each pipe's shaper, bit/s of virtual time
 *   bucket=B     each pipe's token bucket, bytes
 *   qsize=Q      packets per queue (a power of two)
 *   w1= w2= w3=  the best-effort TC's WRR weights for classes 1..3 (its 4th queue gets no packets)
 *   budget=NS    real ns allowed per packet when virtual time is mapped onto the TSC (below)
 *   tc_period=MS the TC credit period, ms of virtual time
 *
 * Then, for each line "round POLL_US" on stdin: a fresh port (every pipe configured, queues empty)
 * replays every packet, BURST at a time, and one JSON line on stdout says what it measured. EOF ends.
 * POLL_US 0 dequeues after every enqueued burst; a positive POLL_US dequeues only once that many
 * virtual us have passed since the last dequeue (and after the last burst): how often rte_sched is
 * asked decides much of its cost, since a dequeue call walks the active pipes until it has a burst
 * or has been round them all.
 *
 * Time. rte_sched has no clock of its own to set: rte_sched_port_dequeue() reads the TSC itself
 * (rte_get_tsc_cycles(), inlined into librte_sched, so it cannot be interposed). Virtual time is
 * therefore mapped onto the TSC at a fixed dilation k (virtual ns per real ns) chosen so that the
 * replay takes `budget` real ns per packet, and every rate rte_sched is given is the virtual rate
 * times k: its shapers then earn, per real ns, what ours earn per k virtual ns. Each burst is
 * enqueued once the TSC has reached its last packet's mapped arrival (the harness spins until then,
 * outside the timed region), then (see POLL_US) dequeued until a call returns less than a burst.
 * Only the rte_sched_port_enqueue() and rte_sched_port_dequeue() calls are timed; making mbufs, writing
 * their tree path and freeing what left are not. A burst that starts more than one burst's worth
 * of virtual time late is counted `late`: then rte_sched saw time in bigger steps than planned.
 *
 * stdout: a JSON line after start-up (footprint, dilation), then one per round.
 * stderr: diagnostics. Exit status 0 on success, 1 on any failure.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -o sched_peer sched_peer.c $(pkg-config --cflags --libs libdpdk)
 */
#define _POSIX_C_SOURCE 200809L
/* rte_sched.h includes rte_pie.h, whose inline functions call DPDK's experimental rte_drand():
 * without this every build warns about it. */
#define ALLOW_EXPERIMENTAL_API

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_sched.h>

/* One packet of the sequence (queueing.py writes these). */
struct sched_rec {
    uint64_t ts_ns;     /* virtual arrival time */
    uint32_t pipe;      /* session index */
    uint16_t length;    /* bytes */
    uint8_t cls;        /* 0 priority, 1 and 2 bandwidth remaining, 3 class-default */
    uint8_t pad;
};
_Static_assert(sizeof(struct sched_rec) == 16, "struct sched_rec is 16 bytes");

enum { BURST = 32, NCLASSES = 4 };
/* How many times the pipes' summed rate the port runs at: high enough that the port's byte clock,
 * which also moves on with every byte sent, follows the TSC and not the traffic; low enough that
 * rte_sched's cycles-per-byte (8 fractional bits) stays precise. */
enum { PORT_OVER_PIPES = 10 };

static int eal_up;

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sched_peer: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (eal_up)
        rte_eal_cleanup();
    exit(1);
}

static struct sched_rec *read_packets(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0)
        die("%s: cannot seek: %s", path, strerror(errno));
    long len = ftell(f);
    if (len <= 0 || (size_t)len % sizeof(struct sched_rec) != 0)
        die("%s: %ld bytes is not a whole, non-zero number of records", path, len);
    rewind(f);
    struct sched_rec *buf = malloc((size_t)len);
    if (!buf)
        die("out of memory for %ld bytes", len);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len)
        die("%s: short read", path);
    fclose(f);
    *n_out = (size_t)len / sizeof *buf;
    return buf;
}

struct config {
    uint32_t pipes, qsize;
    uint64_t rate_bps, bucket, budget_ns, tc_period_ms;
    uint8_t w[NCLASSES];     /* w[1..3]; w[0] unused (the priority TC has one queue) */
};

static uint64_t parse_u64(const char *key, const char *text, uint64_t lo, uint64_t hi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end != '\0' || end == text || v < lo || v > hi)
        die("%s=%s is not a number from %" PRIu64 " to %" PRIu64, key, text, lo, hi);
    return v;
}

static void parse_config(int argc, char **argv, struct config *c)
{
    *c = (struct config){.w = {0, 1, 1, 1}, .tc_period_ms = 10, .budget_ns = 1000};
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            die("argument %s is not KEY=VALUE", argv[i]);
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "pipes"))
            c->pipes = (uint32_t)parse_u64(k, v, 1, 1u << 20);
        else if (!strcmp(k, "rate"))
            c->rate_bps = parse_u64(k, v, 8000, 100000000000ull);
        else if (!strcmp(k, "bucket"))
            c->bucket = parse_u64(k, v, 1, 1u << 30);
        else if (!strcmp(k, "qsize"))
            c->qsize = (uint32_t)parse_u64(k, v, 2, 32768);
        else if (!strcmp(k, "budget"))
            c->budget_ns = parse_u64(k, v, 1, 1000000);
        else if (!strcmp(k, "tc_period"))
            c->tc_period_ms = parse_u64(k, v, 1, 100000);
        else if (k[0] == 'w' && k[1] >= '1' && k[1] <= '3' && k[2] == '\0')
            c->w[k[1] - '0'] = (uint8_t)parse_u64(k, v, 1, 255);
        else
            die("unknown key %s", k);
    }
    if (!c->pipes || !c->rate_bps || !c->bucket || !c->qsize)
        die("pipes=, rate=, bucket= and qsize= are required");
    if (c->qsize & (c->qsize - 1))
        die("qsize=%" PRIu32 ": rte_sched's queues are a power of two long", c->qsize);
}

/* Everything one scheduler instance needs, built from the config at dilation k. */
struct setup {
    struct rte_sched_subport_profile_params subport_profile;
    struct rte_sched_port_params port;
    struct rte_sched_pipe_params pipe;
    struct rte_sched_subport_params subport;
    double k;                   /* virtual ns per real ns */
    uint64_t tc_period_real_ms;
};

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void make_setup(const struct config *c, double k, struct setup *s)
{
    memset(s, 0, sizeof *s);
    s->k = k;
    /* Rates are bytes per real second: virtual bytes/s times k. */
    uint64_t pipe_rate = (uint64_t)((double)c->rate_bps / 8.0 * k);
    if (pipe_rate < 1)
        pipe_rate = 1;
    uint64_t port_rate = pipe_rate * c->pipes * PORT_OVER_PIPES;
    /* The TC period is whole real ms: the virtual period asked for, rounded, at least 1 ms. */
    double real_ms = (double)c->tc_period_ms / k;
    s->tc_period_real_ms = real_ms < 1.0 ? 1 : (uint64_t)(real_ms + 0.5);

    s->subport_profile.tb_rate = port_rate;
    s->subport_profile.tb_size = 1u << 30;
    for (int i = 0; i < RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE; i++)
        s->subport_profile.tc_rate[i] = port_rate;
    s->subport_profile.tc_period = s->tc_period_real_ms;

    s->port = (struct rte_sched_port_params){
        .name = "qfp_sched_peer",
        .socket = (int)rte_socket_id(),
        .rate = port_rate,
        .mtu = 1500,
        .frame_overhead = 0,        /* ours charges a packet its length, nothing more */
        .n_subports_per_port = 1,
        .subport_profiles = &s->subport_profile,
        .n_subport_profiles = 1,
        .n_max_subport_profiles = 1,
        .n_pipes_per_subport = pow2_at_least(c->pipes),
    };

    /* A pipe: the parent's shaper (tb), the priority class as TC 0 and the rest as the best-effort
     * TC's WRR queues. Neither TC gets a limit below the pipe's own rate: ours has none. */
    s->pipe.tb_rate = pipe_rate;
    s->pipe.tb_size = c->bucket;
    s->pipe.tc_rate[0] = pipe_rate;
    s->pipe.tc_rate[RTE_SCHED_TRAFFIC_CLASS_BE] = pipe_rate;
    s->pipe.tc_period = s->tc_period_real_ms;
    s->pipe.tc_ov_weight = 1;
    s->pipe.wrr_weights[0] = c->w[1];
    s->pipe.wrr_weights[1] = c->w[2];
    s->pipe.wrr_weights[2] = c->w[3];
    s->pipe.wrr_weights[3] = 1;

    s->subport.n_pipes_per_subport_enabled = c->pipes;
    s->subport.qsize[0] = (uint16_t)c->qsize;
    s->subport.qsize[RTE_SCHED_TRAFFIC_CLASS_BE] = (uint16_t)c->qsize;
    s->subport.pipe_profiles = &s->pipe;
    s->subport.n_pipe_profiles = 1;
    s->subport.n_max_pipe_profiles = 1;
    s->subport.cman_params = NULL;  /* tail drop, as ours */
}

static struct rte_sched_port *make_port(struct setup *s, uint32_t pipes)
{
    struct rte_sched_port *port = rte_sched_port_config(&s->port);
    if (!port)
        die("rte_sched_port_config failed (rate %" PRIu64 " B/s, %" PRIu32 " pipes)", s->port.rate,
            s->port.n_pipes_per_subport);
    int rc = rte_sched_subport_config(port, 0, &s->subport, 0);
    if (rc != 0)
        die("rte_sched_subport_config: %d", rc);
    for (uint32_t p = 0; p < pipes; p++) {
        rc = rte_sched_pipe_config(port, 0, p, 0);
        if (rc != 0)
            die("rte_sched_pipe_config(%" PRIu32 "): %d", p, rc);
    }
    return port;
}

/* The class's place in a pipe: priority -> TC 0; the others -> best-effort queues 0..2. */
static void class_path(uint8_t cls, uint32_t *tc, uint32_t *queue)
{
    if (cls == 0) {
        *tc = 0;
        *queue = 0;
    } else {
        *tc = RTE_SCHED_TRAFFIC_CLASS_BE;
        *queue = cls - 1u;
    }
}

struct round_result {
    double enqueue_ns, dequeue_ns;       /* timed calls, summed */
    double dequeue_max_ns;               /* the longest single dequeue call */
    double late_max_us;                  /* the latest a burst started after its arrival */
    uint64_t enqueued, dequeued, late, bursts, dequeue_calls;
    uint64_t out_by_class[NCLASSES];
    double wall_ms;
};

static void run_round(const struct config *c, struct setup *s, struct rte_mempool *pool,
                      const struct sched_rec *pkts, size_t n, uint64_t poll_ns, struct round_result *r)
{
    memset(r, 0, sizeof *r);
    struct rte_sched_port *port = make_port(s, c->pipes);
    const double hz = (double)rte_get_tsc_hz();
    const double cycles_per_virtual_ns = hz / 1e9 / s->k;
    struct rte_mbuf *in[BURST], *out[BURST];
    uint64_t cycles_enq = 0, cycles_deq = 0, deq_max = 0, late_max = 0;
    const uint64_t ts0 = pkts[0].ts_ns;
    const uint64_t tsc0 = rte_rdtsc();
    uint64_t last_poll = ts0;
    for (size_t off = 0; off < n; off += BURST) {
        uint32_t len = (uint32_t)(n - off < BURST ? n - off : BURST);
        uint64_t last_ts = pkts[off + len - 1].ts_ns;
        uint64_t due = tsc0 + (uint64_t)((double)(last_ts - ts0) * cycles_per_virtual_ns);
        uint64_t now;
        while ((now = rte_rdtsc()) < due)
            rte_pause();
        /* Late by more than a burst's span of virtual time (at the mean rate). */
        uint64_t span = (uint64_t)((double)(pkts[n - 1].ts_ns - ts0) / (double)n * BURST *
                                   cycles_per_virtual_ns);
        if (now - due > span)
            r->late++;
        if (now - due > late_max)
            late_max = now - due;
        r->bursts++;
        if (rte_pktmbuf_alloc_bulk(pool, in, len) != 0)
            die("mbuf pool exhausted");
        for (uint32_t i = 0; i < len; i++) {
            const struct sched_rec *p = &pkts[off + i];
            uint32_t tc, queue;
            class_path(p->cls, &tc, &queue);
            in[i]->pkt_len = p->length;
            in[i]->data_len = 0;
            rte_sched_port_pkt_write(port, in[i], 0, p->pipe, tc, queue, RTE_COLOR_GREEN);
        }
        uint64_t t0 = rte_rdtsc();
        r->enqueued += (uint64_t)rte_sched_port_enqueue(port, in, len);
        uint64_t t1 = rte_rdtsc();
        cycles_enq += t1 - t0;
        if (poll_ns && last_ts - last_poll < poll_ns && off + len < n)
            continue;
        last_poll = last_ts;
        for (;;) {
            t0 = rte_rdtsc();
            int got = rte_sched_port_dequeue(port, out, BURST);
            uint64_t spent = rte_rdtsc() - t0;
            cycles_deq += spent;
            if (spent > deq_max)
                deq_max = spent;
            r->dequeue_calls++;
            for (int i = 0; i < got; i++) {
                uint32_t sub, pipe, tc, queue;
                rte_sched_port_pkt_read_tree_path(port, out[i], &sub, &pipe, &tc, &queue);
                r->out_by_class[tc == 0 ? 0 : 1 + queue]++;
            }
            r->dequeued += (uint64_t)got;
            rte_pktmbuf_free_bulk(out, (unsigned)got);
            if (got < BURST)
                break;
        }
    }
    r->wall_ms = (double)(rte_rdtsc() - tsc0) / hz * 1e3;
    r->enqueue_ns = (double)cycles_enq / hz * 1e9;
    r->dequeue_ns = (double)cycles_deq / hz * 1e9;
    r->dequeue_max_ns = (double)deq_max / hz * 1e9;
    r->late_max_us = (double)late_max / hz * 1e6;
    rte_sched_port_free(port);
}

int main(int argc, char **argv)
{
    int sep = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    }
    if (sep < 2) {
        fprintf(stderr, "usage: %s PACKETS.bin KEY=VALUE... -- EAL-ARGS...\n", argv[0]);
        return 1;
    }
    size_t n;
    struct sched_rec *pkts = read_packets(argv[1], &n);
    struct config c;
    parse_config(sep - 2, argv + 2, &c);
    for (size_t i = 0; i < n; i++) {
        if (pkts[i].pipe >= c.pipes || pkts[i].cls >= NCLASSES || pkts[i].length == 0
            || (i && pkts[i].ts_ns < pkts[i - 1].ts_ns))
            die("packet %zu: pipe %" PRIu32 ", class %u, length %u, or time out of order", i,
                pkts[i].pipe, pkts[i].cls, pkts[i].length);
    }

    rte_openlog_stream(stderr);      /* stdout is for the JSON alone */
    int eal_argc = argc - sep;
    char **eal_argv = calloc((size_t)eal_argc + 1, sizeof *eal_argv);
    if (!eal_argv)
        die("out of memory");
    eal_argv[0] = argv[0];
    for (int i = 1; i < eal_argc; i++)
        eal_argv[i] = argv[sep + i];
    if (rte_eal_init(eal_argc, eal_argv) < 0)
        die("rte_eal_init: %s (a low --log-level hides the EAL's own reason)", rte_strerror(rte_errno));
    eal_up = 1;

    /* The dilation: the whole sequence's virtual span over `budget` real ns per packet. */
    double span_ns = (double)(pkts[n - 1].ts_ns - pkts[0].ts_ns);
    double k = span_ns > 0 ? span_ns / ((double)n * (double)c.budget_ns) : 1.0;
    struct setup s;
    make_setup(&c, k, &s);

    struct rte_sched_subport_params *subports[1] = {&s.subport};
    uint32_t footprint = rte_sched_port_get_memory_footprint(&s.port, subports);
    if (footprint == 0)
        die("rte_sched_port_get_memory_footprint refused the parameters");
    /* Every queue full at once at worst, plus a burst in hand and one leaving, and the per-lcore
     * cache. The pool is made anew for each round: rte_sched_port_free() does not give back the
     * mbufs still queued. */
    unsigned pool_n = (unsigned)(c.pipes * NCLASSES * c.qsize + 4 * BURST + 1024);
    printf("{\"ready\":true,\"packets\":%zu,\"pipes\":%" PRIu32 ",\"footprint_bytes\":%" PRIu32
           ",\"dilation\":%.6f,\"tc_period_virtual_ms\":%.3f,\"tsc_hz\":%" PRIu64
           ",\"port_rate_Bps\":%" PRIu64 ",\"pipe_rate_Bps\":%" PRIu64 ",\"mbuf_bytes\":%u,"
           "\"burst\":%d}\n", n, c.pipes, footprint, k, (double)s.tc_period_real_ms * k,
           rte_get_tsc_hz(), s.port.rate, s.pipe.tb_rate, (unsigned)sizeof(struct rte_mbuf), BURST);
    fflush(stdout);

    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        char *end;
        if (strncmp(line, "round ", 6) != 0)
            die("unknown command %s", line);
        unsigned long long poll_us = strtoull(line + 6, &end, 10);
        if (end == line + 6 || *end != '\n' || poll_us > 10000000ull)
            die("round %s: POLL_US is a count of virtual us", line + 6);
        struct rte_mempool *pool = rte_pktmbuf_pool_create("qfp_sched_mbufs", pool_n, 256, 0, 0,
                                                           (int)rte_socket_id());
        if (!pool)
            die("rte_pktmbuf_pool_create(%u): %s", pool_n, rte_strerror(rte_errno));
        struct round_result r;
        run_round(&c, &s, pool, pkts, n, (uint64_t)poll_us * 1000u, &r);
        rte_mempool_free(pool);
        printf("{\"enqueue_ns\":%.1f,\"dequeue_ns\":%.1f,\"ns_per_packet\":%.3f,"
               "\"enqueued\":%" PRIu64 ",\"dequeued\":%" PRIu64 ",\"dequeue_calls\":%" PRIu64
               ",\"dequeue_max_ns\":%.1f,\"bursts\":%" PRIu64 ",\"late\":%" PRIu64
               ",\"late_max_us\":%.1f,\"wall_ms\":%.3f,\"out_by_class\":[%" PRIu64 ",%" PRIu64
               ",%" PRIu64 ",%" PRIu64 "]}\n",
               r.enqueue_ns, r.dequeue_ns, (r.enqueue_ns + r.dequeue_ns) / (double)n, r.enqueued,
               r.dequeued, r.dequeue_calls, r.dequeue_max_ns, r.bursts, r.late, r.late_max_us,
               r.wall_ms, r.out_by_class[0], r.out_by_class[1], r.out_by_class[2], r.out_by_class[3]);
        fflush(stdout);
    }
    free(eal_argv);
    free(pkts);
    rte_eal_cleanup();
    return 0;
}
