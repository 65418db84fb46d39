"""The everyday show commands over a device's state, one module per command family.

Each module offers `xxx_data(...)`, the structured twin (plain ints, strs, lists and dicts:
everything the text shows, and a little more for scripts), and `render_xxx(data)`, which makes the
IOS XE text from the twin alone with small formatter functions. Counters come from the fast path's
read-back and policer parameters from the words it was programmed with; the configuration model is
read only for what the fast path does not hold (class-map match lines, template lines, names).
A `xxx_data` function takes what it shows (the fast path, the configuration, the sessions, the
virtual time), never the whole Device, so that each says what it reads.
"""
