"""`show version`: the device as an ASR1001-X running IOS XE, in a real ASR 1000's layout
(tests/golden/ios-xe/show-version.asr1k.txt, a 16.3 ASR1006; 17.3 prints the same lines but its
licence block, which is 17.3's Smart Licensing Using Policy one, as on the golden C8000V).

Modelled: the hostname; the uptime, from the device's virtual clock (0 at start); the release
train, from the configuration's `version MAJOR.MINOR` line (`version 17.3` in the default
configuration; 17.3 when there is none). Fixed text: everything else — the maintenance release
(VERSION_REBUILD, so `17.3` prints as 17.03.04a / 17.3.4a), the image name, the chassis (an
ASR1001-X with its six built-in Gigabit Ethernet and two Ten Gigabit ports), memory, serial number,
licence, reload reason and configuration register: the model has none of them.
"""
from __future__ import annotations

import re

from qfp_model.qfp.packets import NS_PER_S

DEFAULT_VERSION = "17.3"
VERSION_REBUILD = "4a"
TRAINS = {"16": "Everest", "17": "Amsterdam"}
PLATFORM = "ASR1001-X"
_VERSION_LINE = re.compile(r"version (\d+)\.(\d+)$")


def version_data(config, hostname: str, clock_ns: int) -> dict:
    major, minor = DEFAULT_VERSION.split(".")
    for block in config.unmodeled_blocks():
        m = _VERSION_LINE.match(block.lines[0])
        if m:
            major, minor = m[1], m[2]
    return {"hostname": hostname, "uptime_s": max(clock_ns, 0) // NS_PER_S,
            "version": f"{int(major)}.{int(minor)}.{VERSION_REBUILD}",
            "xe_version": f"{int(major):02d}.{int(minor):02d}.{int(VERSION_REBUILD[:-1] or 0):02d}"
                          f"{VERSION_REBUILD.lstrip('0123456789')}",
            "train": TRAINS.get(str(int(major)), "IOSXE"), "platform": PLATFORM,
            "gigabit_ethernet": 6, "ten_gigabit_ethernet": 2,
            "config_register": "0x2102"}


def format_uptime_words(seconds: int) -> str:
    """IOS's `1 year, 2 weeks, 3 days, 4 hours, 5 minutes`: the non-zero units, `0 minutes` at 0."""
    minutes = seconds // 60
    parts = []
    for unit, size in (("year", 525600), ("week", 10080), ("day", 1440), ("hour", 60), ("minute", 1)):
        n, minutes = divmod(minutes, size)
        if n:
            parts.append(f"{n} {unit}{'' if n == 1 else 's'}")
    return ", ".join(parts) or "0 minutes"


def render_version(d: dict) -> str:
    uptime = format_uptime_words(d["uptime_s"])
    image = f"asr1001x-universalk9.{d['xe_version']}.SPA.bin"
    lines = [
        f"Cisco IOS XE Software, Version {d['xe_version']}",
        f"Cisco IOS Software [{d['train']}], ASR1000 Software (X86_64_LINUX_IOSD-UNIVERSALK9-M),"
        f" Version {d['version']}, RELEASE SOFTWARE (fc3)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2021 by Cisco Systems, Inc.",
        "Compiled Thu 11-Mar-21 14:45 by mcpre",
        "",
        "",
        "Cisco IOS-XE software, Copyright (c) 2005-2021 by cisco Systems, Inc.",
        "All rights reserved.  Certain components of Cisco IOS-XE software are",
        "licensed under the GNU General Public License (\"GPL\") Version 2.0.  The",
        "software code licensed under GPL Version 2.0 is free software that comes",
        "with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such",
        "GPL code under the terms of GPL Version 2.0.  For more details, see the",
        "documentation or \"License Notice\" file accompanying the IOS-XE software,",
        "or the applicable URL provided on the flyer accompanying the IOS-XE",
        "software.",
        "",
        "",
        "ROM: 16.7(5r)",
        "",
        f"{d['hostname']} uptime is {uptime}",
        f"Uptime for this control processor is {uptime}",
        "System returned to ROM by reload",
        f"System image file is \"bootflash:{image}\"",
        "Last reload reason: Reload Command",
        "",
        "",
        "",
        "This product contains cryptographic features and is subject to United",
        "States and local country laws governing import, export, transfer and",
        "use. Delivery of Cisco cryptographic products does not imply",
        "third-party authority to import, export, distribute or use encryption.",
        "Importers, exporters, distributors and users are responsible for",
        "compliance with U.S. and local country laws. By using this product you",
        "agree to comply with applicable laws and regulations. If you are unable",
        "to comply with U.S. and local laws, return this product immediately.",
        "",
        "A summary of U.S. laws governing Cisco cryptographic products may be found at:",
        "http://www.cisco.com/wwl/export/crypto/tool/stqrg.html",
        "",
        "If you require further assistance please contact us by sending email to",
        "export@cisco.com.",
        "",
        "License Type: Smart License",
        "License Level: adventerprise",
        "Next reload license Level: adventerprise",
        "",
        "The current throughput level is 20000000 kbps ",
        "",
        "",
        "Smart Licensing Status: Smart Licensing Using Policy",
        "",
        f"cisco {d['platform']} (1NG) processor (revision 1NG) with 3747220K/6147K bytes of memory.",
        "Processor board ID FXS2202Q0C3",
        f"{d['gigabit_ethernet']} Gigabit Ethernet interfaces",
        f"{d['ten_gigabit_ethernet']} Ten Gigabit Ethernet interfaces",
        "32768K bytes of non-volatile configuration memory.",
        "8388608K bytes of physical memory.",
        "6594559K bytes of eUSB flash at bootflash:.",
        "",
        f"Configuration register is {d['config_register']}",
    ]
    return "\n".join(lines) + "\n"
