/*
 * qfp_pcap.c - capture walking: the record chain of a classic pcap and the block chain of a pcapng.
 *
 * Records and blocks chain by length, so finding them is a loop no array operation can replace;
 * everything else about a capture (file and interface headers, the fields of each record, the
 * frames themselves) is decoded in qfp/pcap.py with numpy from the offsets found here.
 *
 * Lengths come from the file and are not trusted: every comparison is written as "length > bytes
 * left", never "offset + length > len", so a 32-bit length near 2^32 cannot wrap anything.
 */
#include <string.h>

#include "qfp.h"

static inline uint32_t load32(const uint8_t *p, int big_endian)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);   /* records need not be aligned */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return big_endian ? __builtin_bswap32(v) : v;
#else
    return big_endian ? v : __builtin_bswap32(v);
#endif
}

static int finish(struct qfp_capture_walk *out, size_t n, size_t cap, size_t off, uint32_t stop,
                  uint32_t stop_len)
{
    out->n = n;
    out->stop_off = off;
    out->stop = stop;
    out->stop_len = stop_len;
    if (n > cap)
        return QFP_EFULL;
    return stop == QFP_CAPTURE_END ? QFP_OK : QFP_EINVAL;
}

int qfp_pcap_walk(const uint8_t *data, size_t len, int big_endian, uint64_t *rec_off, size_t cap,
                  struct qfp_capture_walk *out)
{
    size_t n = 0;
    size_t off = QFP_PCAP_HEADER_LEN;
    if (len < off)   /* the caller has read the file header; do not walk a shorter buffer */
        return finish(out, 0, cap, len, QFP_CAPTURE_HEADER_CUT, 0);
    while (off < len) {
        const size_t left = len - off;
        if (left < QFP_PCAP_RECORD_HEADER_LEN)
            return finish(out, n, cap, off, QFP_CAPTURE_HEADER_CUT, 0);
        const uint32_t caplen = load32(data + off + 8, big_endian);
        if (caplen > QFP_CAPTURE_FRAME_MAX)
            return finish(out, n, cap, off, QFP_CAPTURE_FRAME_LONG, caplen);
        if (caplen > left - QFP_PCAP_RECORD_HEADER_LEN)
            return finish(out, n, cap, off, QFP_CAPTURE_RECORD_CUT, caplen);
        if (n < cap)
            rec_off[n] = off;
        n++;
        off += QFP_PCAP_RECORD_HEADER_LEN + (size_t)caplen;
    }
    return finish(out, n, cap, off, QFP_CAPTURE_END, 0);
}

/* The shortest block of each type whose fixed fields the reader gathers, header and trailer
 * included; 0 for types it skips. Checked here so that the gathers can never read past a block. */
static uint32_t pcapng_block_min(uint32_t type)
{
    switch (type) {
    case QFP_PCAPNG_SHB:
        return 28;   /* byte-order magic, version, section length */
    case 1:          /* interface description: linktype, reserved, snaplen */
        return 20;
    case 2:          /* packet block: interface, drops, timestamp, captured and original lengths */
    case 6:          /* enhanced packet block: interface, timestamp, captured and original lengths */
        return 32;
    case 3:          /* simple packet block: original length */
        return 16;
    default:
        return 0;
    }
}

int qfp_pcapng_walk(const uint8_t *data, size_t len, uint64_t *block_off, uint32_t *block_type,
                    uint32_t *block_len, uint8_t *big_endian, size_t cap,
                    struct qfp_capture_walk *out)
{
    size_t n = 0;
    size_t off = 0;
    int be = 0;   /* until the first section header says otherwise */
    while (off < len) {
        const size_t left = len - off;
        if (left < QFP_PCAPNG_BLOCK_MIN)
            return finish(out, n, cap, off, QFP_CAPTURE_HEADER_CUT, 0);
        const uint32_t type = load32(data + off, be);
        if (type == QFP_PCAPNG_SHB) {
            /* The byte-order magic 0x1A2B3C4D, as the writer's order stored it. */
            const uint32_t bom = load32(data + off + 8, 0);
            if (bom == 0x1A2B3C4Du)
                be = 0;
            else if (bom == 0x4D3C2B1Au)
                be = 1;
            else
                return finish(out, n, cap, off, QFP_CAPTURE_BAD_BOM, 0);
        }
        const uint32_t blen = load32(data + off + 4, be);
        if (blen < QFP_PCAPNG_BLOCK_MIN || blen % 4)
            return finish(out, n, cap, off, QFP_CAPTURE_BAD_LENGTH, blen);
        if (blen > left)
            return finish(out, n, cap, off, QFP_CAPTURE_RECORD_CUT, blen);
        if (load32(data + off + blen - 4, be) != blen)
            return finish(out, n, cap, off, QFP_CAPTURE_BAD_TRAILER, blen);
        if (blen < pcapng_block_min(type))
            return finish(out, n, cap, off, QFP_CAPTURE_SHORT_BLOCK, blen);
        if (n < cap) {
            block_off[n] = off;
            block_type[n] = type;
            block_len[n] = blen;
            big_endian[n] = (uint8_t)be;
        }
        n++;
        off += blen;
    }
    return finish(out, n, cap, off, QFP_CAPTURE_END, 0);
}
