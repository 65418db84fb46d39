/*
 * qfp_path_avx512.c - the per-packet path (qfp_path.h) compiled for AVX512; qfp_process.c runs it
 * only on a CPU that has it (qfp_simd_best). Built on every x86-64, whatever the build machine has.
 */
#include "qfp_impl.h"

#if QFP_X86_64
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512cd,avx2,bmi,bmi2,popcnt")
#define QFP_PATH_SIMD QFP_ISA_AVX512
#define QFP_PATH(name) qfp_##name##_avx512
#include "qfp_path.h"
#else
typedef int qfp_path_avx512_unused;   /* ISO C wants something in a translation unit */
#endif
