"""Our ACL classifier and policers beside DPDK's rte_acl and rte_meter: the driver of dpdk_peer.c.

Optional: it needs a C compiler and DPDK's development files (Debian's libdpdk-dev) found through
pkg-config. `available()` says whether they are there; `build()` compiles the peer program once (and
again only when its source or csrc/qfp.h changes); `run()` hands it an ACL and a packet batch and
returns rte_acl's first-match answers and its timings: medians of interleaved rounds with their
interquartile range (never a best pass), and with `ours=` our own lookup's methods timed in the same
process, round by round beside rte_acl's. An ACL of IPv6 ACEs (tables.Ace6) is compared in DPDK's
IPv6 rule layout (the peer's -6 mode); its packets must all be IPv6.

    from qfp_model.tools.bench.peers import dpdk
    if dpdk.available() is None:
        result = dpdk.run(aces, batch)
        assert (result.ace == fp.acl_classify(slot, batch)).all()
        print(result.best, result.best_ns, result.iqr[result.best], result.meter)
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import qfp_model.qfp as qfp_binding
from qfp_model.qfp.packets import check_shape
from qfp_model.qfp.tables import acl_family

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "dpdk_peer.c"     # package data: installed beside this module
# csrc/qfp.h, installed with the binding package: the peer reads our ACE and packet records.
INCLUDE_DIR = Path(qfp_binding.__file__).resolve().parent


def default_build_dir() -> Path:
    """Where the compiled peer is kept between runs: $QFP_PEER_BUILD_DIR, else the user's cache
    ($XDG_CACHE_HOME or ~/.cache, under qfp-model/peers); never inside the installed package."""
    explicit = os.environ.get("QFP_PEER_BUILD_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "qfp-model" / "peers"
BINARY_NAME = "dpdk_peer"

# An EAL that needs no hugepages, no devices and no shared runtime files: one lcore on ordinary
# memory, no telemetry socket (so runs in parallel do not contend for it), quiet, with AVX-512
# allowed so that rte_acl offers its AVX-512 classifiers. (--in-memory is refused with --no-huge.)
EAL_ARGS = [
    "--no-huge", "--no-pci", "-l", "0", "--no-shconf", "--no-telemetry", "-m", "2048",
    "--log-level=1", "--force-max-simd-bitwidth=512",
]

CFLAGS = ["-std=c11", "-O2", "-Wall", "-Wextra"]
RUN_TIMEOUT = 600  # seconds


class PeerError(RuntimeError):
    """The peer program could not be built or run, or its answer made no sense. The message carries
    the compiler's or the program's own output."""


@dataclass(frozen=True)
class PeerResult:
    naces: int
    packets: int
    build_ms: float
    algorithms: dict          # classify algorithm -> median ns per packet, None where unavailable
    best: str                 # the algorithm with the lowest median
    best_ns: float
    meter: dict               # "srtcm" / "trtcm" -> ns per packet
    ace: np.ndarray           # uint32 per packet: first matching ACE, naces for none
    rules: int = 0            # rte_acl rules the ACEs became (a neq port makes two)
    iqr: dict | None = None   # classify algorithm -> (first quartile, third quartile) ns per packet
    rounds: int = 0
    acl_bytes: int = 0        # DPDK heap the rte_acl build holds (its rules and runtime tables)
    ours: dict | None = None  # our method -> {ns, iqr, build_ms, bytes, mismatches, first_mismatch, ...}
    family: int = 4           # the ACL's: 6 for Ace6 ACEs, in DPDK's IPv6 layout
    # classify algorithm -> (median, first quartile, third quartile) ns per packet of each round's
    # first pass, which starts from the cache the other classifiers' passes left; the figures above
    # are the second pass's, the steady state (dpdk_peer.c). Ours carry theirs as "cold".
    cold: dict | None = None
    fields: int = 0           # rte_acl fields each rule has (IPv6: 11, DPDK's 5-tuple, or 12 with misc)


def _compiler() -> str | None:
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return name
    return None


def _pkg_config(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pkg-config", *args], capture_output=True, text=True, check=False)


def _unsanitized_env() -> dict:
    """Our environment without the sanitizer run's LD_PRELOAD: the compiler and the peer are not
    the code under test."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}


def available() -> str | None:
    """None when the peer can be built here; else why not."""
    if shutil.which("pkg-config") is None:
        return "pkg-config is not installed"
    if _pkg_config("--exists", "libdpdk").returncode != 0:
        return "libdpdk is not installed (pkg-config finds no libdpdk; apt-get install libdpdk-dev)"
    if _compiler() is None:
        return "no C compiler (cc, gcc or clang) on PATH"
    return None


def build(build_dir: Path | None = None) -> Path:
    """The compiled peer program, built into build_dir (default: default_build_dir()) unless one
    built from this dpdk_peer.c and csrc/qfp.h is already there."""
    return build_program(SOURCE, BINARY_NAME, build_dir)


def build_program(source: Path, name: str, build_dir: Path | None = None) -> Path:
    """`source` (a peer program beside this module) compiled against libdpdk as
    build_dir/name-DIGEST (DIGEST: of the source and csrc/qfp.h), unless that is already there (dpdk_sched.py builds its
    rte_sched peer the same way)."""
    reason = available()
    if reason is not None:
        raise PeerError(f"cannot build the DPDK peer: {reason}")
    build_dir = Path(build_dir) if build_dir is not None else default_build_dir()
    # Named by the content it is built from, not checked by mtime: the cache is shared by every
    # checkout of this project on the machine (worktrees, CI clones), and one with an older peer
    # source would otherwise replace the binary under another's feet.
    digest = hashlib.sha256(source.read_bytes() + (INCLUDE_DIR / "qfp.h").read_bytes()).hexdigest()[:16]
    binary = build_dir / f"{name}-{digest}"
    if binary.exists():
        return binary
    build_dir.mkdir(parents=True, exist_ok=True)
    flags = _pkg_config("--cflags", "--libs", "libdpdk")
    if flags.returncode != 0:
        raise PeerError(f"pkg-config --cflags --libs libdpdk failed:\n{flags.stderr}")
    # Compile to a temporary name and rename, so an interrupted build never looks up to date.
    partial = build_dir / f".{name}.{os.getpid()}.tmp"
    command = [_compiler(), *CFLAGS, "-o", str(partial), str(source), f"-I{INCLUDE_DIR}", *shlex.split(flags.stdout)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=_unsanitized_env())
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise PeerError(f"compiling the DPDK peer failed ({shlex.join(command)}):\n"
                        f"{done.stdout}{done.stderr}")
    os.replace(partial, binary)
    return binary


def _libpython() -> str:
    """The libpython our extension module expects its interpreter to provide (the peer loads it
    before the extension), or "" for a statically linked interpreter."""
    name = sysconfig.get_config_var("LDLIBRARY") or ""
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    path = Path(libdir) / name
    if name.endswith(".so") and not path.exists():
        return ""
    return str(path) if name.endswith((".so", ".so.1.0")) or ".so." in name else ""


def _sanitized() -> bool:
    """Whether our extension is the sanitizer build (CI's ASan stage preloads the runtime for it):
    the peer, built without ASan, cannot load such a module."""
    return "libasan" in os.environ.get("LD_PRELOAD", "")


def _ours_here(aces, batch: np.ndarray, methods, repeat: int, rte_ace: np.ndarray) -> dict:
    """Our methods timed in this process (interleaved rounds, medians and quartiles), their answers
    checked against rte_acl's: what the peer reports for `ours=`, for when it cannot load our module.
    Under a sanitizer the times say nothing about speed; the answers still count."""
    import time

    from qfp_model.qfp.fastpath import ACL_METHODS, FastPath
    built = {}
    for name in methods:
        fp = FastPath(max_uidbs=1, max_acls=1, max_policies=1, acl_method=name)
        start = time.perf_counter()
        slot = fp.acl_create(aces)
        built[name] = (fp, slot, (time.perf_counter() - start) * 1e3)
    samples: dict[str, list[list[float]]] = {name: [[], []] for name in methods}
    answers = {}
    for _ in range(repeat):
        for name, (fp, slot, _) in built.items():
            for cold_or_steady in samples[name]:
                start = time.perf_counter_ns()
                answers[name] = fp.acl_classify(slot, batch)
                cold_or_steady.append((time.perf_counter_ns() - start) / max(batch.size, 1))
    ours = {}
    for name, (fp, slot, build_ms) in built.items():
        cold_q1, cold, cold_q3 = np.percentile(samples[name][0], [25, 50, 75])
        q1, median, q3 = np.percentile(samples[name][1], [25, 50, 75])
        wrong = np.flatnonzero(answers[name] != rte_ace)
        stats = fp.acl_stats(slot)
        ours[name] = {"ns": float(median), "iqr": [float(q1), float(q3)],
                      "cold": [float(cold), float(cold_q1), float(cold_q3)], "build_ms": build_ms,
                      "bytes": stats.bytes, "method": int(ACL_METHODS[stats.method]),
                      "leaf_max": stats.leaf_max, "depth_max": stats.depth_max,
                      "mismatches": int(wrong.size), "first_mismatch": int(wrong[0]) if wrong.size else -1,
                      "in_process": True}
        fp.close()
    return ours


def run(aces, batch: np.ndarray, repeat: int = 5, *, binary: Path | None = None,
        eal_args: list[str] | None = None, ours: tuple[str, ...] = ()) -> PeerResult:
    """Classify `batch` against `aces` with rte_acl (every algorithm, `repeat` interleaved rounds of
    two passes each, medians and quartiles of the second, the steady state, and of the first in
    `cold`) and time rte_meter over the batch. `ours`: our ACL methods
    (qfp.fastpath.ACL_METHODS names) to build and time in the same process, interleaved with
    rte_acl's rounds, their answers checked against rte_acl's. Raises PeerError when the program
    fails, including when an ACE cannot be expressed in rte_acl (established, fragments). The
    family is the ACEs' (an empty list is IPv4): an IPv6 ACL answers IOS's implicit nd-na and nd-ns
    permits as naces + 1 and naces + 2, as FastPath.acl_classify does."""
    from qfp_model.qfp.fastpath import compiled_aces  # the C extension, loaded on first use

    check_shape(batch)
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat {repeat!r} is not a count from 1 up")
    aces = list(aces)
    family = acl_family(aces)
    binary = Path(binary) if binary is not None else build()
    here = ours if ours and _sanitized() else ()
    if here:
        ours = ()
    with tempfile.TemporaryDirectory(prefix="qfp-dpdk-peer-") as tmp:
        tmp = Path(tmp)
        rules_path, packets_path, results_path = tmp / "rules.bin", tmp / "packets.bin", tmp / "results.bin"
        rules_path.write_bytes(compiled_aces(aces))
        packets_path.write_bytes(batch.tobytes())
        command = [str(binary), *(["-6"] if family == 6 else []), str(rules_path), str(packets_path),
                   str(results_path), str(repeat), "--", *(EAL_ARGS if eal_args is None else eal_args)]
        env = _unsanitized_env()
        if ours:
            from qfp_model.qfp.fastpath import ACL_METHODS
            # The extension module fastpath.py loaded (imported above): the peer loads the same file.
            extension = sys.modules["qfp_model.qfp._fastpath"]
            env["QFP_PEER_OURS"] = str(Path(extension.__file__).resolve())
            env["QFP_PEER_LIBPYTHON"] = _libpython()
            env["QFP_PEER_METHODS"] = ",".join(f"{m}={int(ACL_METHODS[m])}" for m in ours)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                  check=False, stdin=subprocess.DEVNULL, env=env)
        except subprocess.TimeoutExpired as exc:
            raise PeerError(f"the DPDK peer took over {RUN_TIMEOUT} s:\n{_text(exc.stderr)}") from exc
        if done.returncode != 0:
            what = ("an ACE cannot be expressed in rte_acl" if done.returncode == 2
                    else f"the DPDK peer exited with status {done.returncode}")
            # (An EAL that rejects its arguments prints its usage on stdout.)
            raise PeerError(f"{what}:\n{done.stderr.strip()}"
                            + (f"\nstdout:\n{done.stdout.strip()}" if done.stdout.strip() else ""))
        report = _parse(done.stdout, done.stderr)
        ace = np.fromfile(results_path, dtype=np.uint32)
    if ace.size != batch.size:
        raise PeerError(f"the DPDK peer answered {ace.size} packets of {batch.size}:\n{done.stderr}")
    try:
        algorithms = {str(k): (None if v is None else float(v))
                      for k, v in report["algorithms"].items()}
        best = str(report["best"])
        result = PeerResult(
            naces=int(report["naces"]), packets=int(report["packets"]),
            build_ms=float(report["build_ms"]), algorithms=algorithms, best=best,
            best_ns=float(algorithms[best]),
            meter={str(k): (None if v is None else float(v)) for k, v in report["meter"].items()},
            ace=ace, rules=int(report.get("rules", 0)),
            iqr={str(k): (float(v[0]), float(v[1])) for k, v in report.get("iqr", {}).items()},
            rounds=int(report.get("rounds", repeat)), acl_bytes=int(report.get("acl_bytes", 0)),
            ours={str(k): dict(v) for k, v in report.get("ours", {}).items()},
            family=int(report.get("family", 4)), fields=int(report.get("fields", 0)),
            cold={str(k): tuple(float(x) for x in v) for k, v in report.get("cold", {}).items()})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PeerError(f"the DPDK peer's report {done.stdout.strip()!r} lacks {exc}:\n"
                        f"{done.stderr}") from exc
    if result.naces != len(aces) or result.packets != batch.size:
        raise PeerError(f"the DPDK peer read {result.naces} ACEs and {result.packets} packets, "
                        f"not {len(aces)} and {batch.size}:\n{done.stderr}")
    if here:
        result = replace(result, ours=_ours_here(aces, batch, here, repeat, result.ace))
    return result


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _parse(stdout: str, stderr: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.strip()]
    if len(lines) != 1:
        raise PeerError(f"the DPDK peer printed {len(lines)} lines, not one JSON object:\n"
                        f"{stdout}\n{stderr}")
    try:
        report = json.loads(lines[0])
    except json.JSONDecodeError as exc:
        raise PeerError(f"the DPDK peer's report is not JSON ({exc}): {lines[0]!r}\n{stderr}") from exc
    if not isinstance(report, dict):
        raise PeerError(f"the DPDK peer's report is not a JSON object: {lines[0]!r}\n{stderr}")
    return report
