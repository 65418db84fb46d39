"""cffi build script for qfp_model.qfp._fastpath (out-of-line API mode), run by setup.py's cffi_modules.

The cdef is csrc/qfp.h itself, with every constant's value and every array length left to the
compiler (`...`), so no number is written twice and cffi checks each struct's layout against C.

QFP_CFLAGS adds compiler flags (CI sets -Werror, and the sanitizer build -fsanitize=...)."""
import os
import re
import shlex
from pathlib import Path

from cffi import FFI

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
SOURCES = [
    "csrc/qfp_ctl.c",
    "csrc/qfp_table.c",
    "csrc/qfp_acl.c",
    "csrc/qfp_acl_replace.c",
    "csrc/qfp_acl_index.c",
    "csrc/qfp_acl_bitvec.c",
    "csrc/qfp_policy.c",
    "csrc/qfp_police.c",
    "csrc/qfp_queue.c",
    "csrc/qfp_trace.c",
    "csrc/qfp_process.c",
    "csrc/qfp_path_portable.c",
    "csrc/qfp_path_avx2.c",
    "csrc/qfp_path_avx512.c",
    "csrc/qfp_pcap.c",
]
HEADER = CSRC / "qfp.h"
DEPENDS = ["csrc/qfp.h", "csrc/qfp_impl.h", "csrc/qfp_path.h"]


def cdef_from_header(text: str) -> str:
    """csrc/qfp.h as cffi's cdef wants it: no preprocessor lines, no comments, values elided."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    # Keep valued #defines, value elided; drop includes, guards and other directives.
    text = re.sub(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+\S.*$", r"#define \1 ...", text, flags=re.M)
    text = "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith("#") or line.endswith(" ..."))

    def elide_enum(match: re.Match) -> str:
        names = [item.split("=")[0].strip() for item in match.group(2).split(",")]
        return f"enum {match.group(1)}{{ {', '.join(n for n in names if n)}, ... }}"

    text = re.sub(r"enum\s+(\w*\s*)\{([^}]*)\}", elide_enum, text)
    return re.sub(r"\[[A-Z_][A-Z0-9_]*\]", "[...]", text)


ffibuilder = FFI()
ffibuilder.cdef(cdef_from_header(HEADER.read_text()))
ffibuilder.set_source(
    "qfp_model.qfp._fastpath",
    '#include "qfp.h"',
    sources=SOURCES,
    depends=DEPENDS,
    include_dirs=[str(CSRC)],
    # C11 plus POSIX.1-2008 for strnlen(), sched_yield() and clock_gettime(). No SLP vectorizer:
    # given AVX-512 (csrc/qfp_path_avx512.c) it packed the bit vectors' twelve row addresses into
    # one register and took them out again one by one, doubling a lookup's time; the fast path's
    # vectors are written where they pay.
    extra_compile_args=["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-fno-tree-slp-vectorize", "-Wall", "-Wextra"]
    + shlex.split(os.environ.get("QFP_CFLAGS", "")),
    extra_link_args=shlex.split(os.environ.get("QFP_LDFLAGS", "")),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
