/*
 * fuzz_pcap_walk.c - libFuzzer target for the capture walkers (csrc/qfp_pcap.c), built with clang's
 * -fsanitize=fuzzer,address,undefined by tests/fuzz/run. The first byte picks the walker, the byte
 * order and a small cap (so that QFP_EFULL is walked too); the rest is the capture. Besides what
 * the sanitizers catch, every offset a walk reports must lie inside the data, in order.
 */
#include <stdint.h>
#include <stdlib.h>

#include "qfp.h"

enum { CAP = 64 };

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t how = data[0];
    data++;
    size--;
    const size_t cap = 1 + (how >> 2) % CAP;
    uint64_t off[CAP];
    struct qfp_capture_walk walk;
    if (how & 1) {
        uint32_t type[CAP], len[CAP];
        uint8_t be[CAP];
        qfp_pcapng_walk(data, size, off, type, len, be, cap, &walk);
        for (size_t i = 0; i < walk.n && i < cap; i++) {
            check(off[i] + len[i] <= size);
            check(i == 0 || off[i] > off[i - 1]);
        }
    } else {
        qfp_pcap_walk(data, size, (how >> 1) & 1, off, cap, &walk);
        for (size_t i = 0; i < walk.n && i < cap; i++) {
            check(off[i] + QFP_PCAP_RECORD_HEADER_LEN <= size);
            check(i == 0 || off[i] > off[i - 1]);
        }
    }
    check(walk.stop_off <= size);
    return 0;
}
