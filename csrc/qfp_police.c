/*
 * qfp_police.c - policer profiles: decoding the programmed words once, at configuration time.
 *
 * This is the only place that divides; the per-packet code (qfp_police.h) multiplies and compares.
 */
#include "qfp_impl.h"

#define FIELD_MASK ((1u << QFP_HW_FIELD_BITS) - 1)

static const uint64_t pow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

static uint64_t rate_decode(uint32_t word)
{
    return (uint64_t)(word & FIELD_MASK) * pow10[word >> QFP_HW_FIELD_BITS];
}

/* The longest gap that can leave a bucket of `size` units short of full at `rate` units/ns. */
static uint64_t fill_time(uint64_t size, uint64_t rate)
{
    return size / rate + 1;
}

/* Colour c's action code and value in police_info. */
static uint32_t pi_code(uint32_t info, int colour)
{
    return info >> (QFP_PI_CODE_BITS * colour) & ((1u << QFP_PI_CODE_BITS) - 1);
}

static uint32_t pi_value(uint32_t info, int colour)
{
    return info >> (QFP_PI_VALUE_SHIFT + QFP_PI_VALUE_BITS * colour) & ((1u << QFP_PI_VALUE_BITS) - 1);
}

static int action_decode(struct qfp *fp, uint32_t info, int colour, struct qfp_police_profile *p)
{
    static const uint8_t defaults[QFP_COLOUR_COUNT] = {QFP_PACT_TRANSMIT, QFP_PACT_DROP, QFP_PACT_DROP};
    uint32_t code = pi_code(info, colour);
    uint32_t value = pi_value(info, colour);
    p->mark[colour] = 0;
    switch (code) {
    case QFP_PA_DEFAULT:
        p->act[colour] = defaults[colour];
        break;
    case QFP_PA_TRANSMIT:
        p->act[colour] = QFP_PACT_TRANSMIT;
        break;
    case QFP_PA_DROP:
        p->act[colour] = QFP_PACT_DROP;
        break;
    case QFP_PA_SET_DSCP:
        p->act[colour] = QFP_PACT_MARK;
        p->mark[colour] = (uint8_t)value;
        break;
    case QFP_PA_SET_PREC:
        if (value > 7)
            return qfp_fail(fp, QFP_EINVAL, "police_info: precedence %u above 7", value);
        p->act[colour] = QFP_PACT_MARK;
        p->mark[colour] = (uint8_t)(value << 3);
        break;
    default:
        return qfp_fail(fp, QFP_EINVAL, "police_info: unknown action code %u", code);
    }
    if (code != QFP_PA_SET_DSCP && code != QFP_PA_SET_PREC && value)
        return qfp_fail(fp, QFP_EINVAL, "police_info: a value for an action that takes none");
    return QFP_OK;
}

int qfp_police_profile(struct qfp *fp, const struct qfp_class_cfg *cfg, struct qfp_police_profile *p)
{
    const uint32_t *hw = cfg->hw_policer;
    p->mode = (uint8_t)(hw[0] >> QFP_HW_FIELD_BITS);
    uint64_t bc = hw[0] & FIELD_MASK, be = hw[1] & FIELD_MASK;
    p->cir = rate_decode(hw[2]);
    p->pir = rate_decode(hw[3]);
    if (p->mode == QFP_POLICE_NONE || p->mode > QFP_POLICE_2R3C)
        return qfp_fail(fp, QFP_EINVAL, "class %s: hw_policer[0] has no policer mode", cfg->name);
    if (hw[1] & ~FIELD_MASK)
        return qfp_fail(fp, QFP_EINVAL, "class %s: hw_policer[1] has reserved bits set", cfg->name);
    if (p->cir < QFP_RATE_MIN || p->cir > QFP_RATE_MAX)
        return qfp_fail(fp, QFP_EINVAL, "class %s: cir %llu outside %llu..%llu", cfg->name,
                        (unsigned long long)p->cir, QFP_RATE_MIN, QFP_RATE_MAX);
    if (bc == 0)
        return qfp_fail(fp, QFP_EINVAL, "class %s: bc is zero", cfg->name);
    if (p->mode == QFP_POLICE_1R2C) {
        if (be || hw[3] || pi_code(cfg->police_info, QFP_VIOLATE) ||
            pi_value(cfg->police_info, QFP_VIOLATE))
            return qfp_fail(fp, QFP_EINVAL, "class %s: a 1R2C policer has no be, pir or violate action",
                            cfg->name);
    } else if (be == 0) {
        return qfp_fail(fp, QFP_EINVAL, "class %s: be is zero", cfg->name);
    }
    if (p->mode == QFP_POLICE_2R3C) {
        if (p->pir < p->cir || p->pir > QFP_RATE_MAX)
            return qfp_fail(fp, QFP_EINVAL, "class %s: pir %llu outside cir..%llu", cfg->name,
                            (unsigned long long)p->pir, QFP_RATE_MAX);
    } else if (hw[3]) {
        return qfp_fail(fp, QFP_EINVAL, "class %s: only a 2R3C policer has a pir", cfg->name);
    }
    if (cfg->police_info >> (QFP_PI_VALUE_SHIFT + QFP_PI_VALUE_BITS * QFP_COLOUR_COUNT))
        return qfp_fail(fp, QFP_EINVAL, "class %s: police_info has reserved bits set", cfg->name);
    for (int colour = 0; colour < QFP_COLOUR_COUNT; colour++) {
        int rc = action_decode(fp, cfg->police_info, colour, p);
        if (rc != QFP_OK)
            return rc;
    }

    p->cbs = bc * QFP_UNITS_PER_BYTE;
    p->ebs = be * QFP_UNITS_PER_BYTE;
    switch (p->mode) {
    case QFP_POLICE_1R2C:
        p->dt_c_max = fill_time(p->cbs, p->cir);
        break;
    case QFP_POLICE_1R3C:
        /* One refill feeds C and its overflow E: both are full once C + E's worth has arrived. */
        p->dt_c_max = fill_time(p->cbs + p->ebs, p->cir);
        break;
    case QFP_POLICE_2R3C:
        p->dt_c_max = fill_time(p->cbs, p->cir);
        p->dt_e_max = fill_time(p->ebs, p->pir);
        break;
    }
    return QFP_OK;
}

void qfp_police_state_init(const struct qfp_police_profile *prof, struct qfp_cstate *st)
{
    st->tc = prof->cbs;
    st->te = prof->mode == QFP_POLICE_1R2C ? 0 : prof->ebs;
    st->last_ns = 0;
}
