"""The IOS configuration modes: the mode machine (machine.py) and one command table per mode, on
the grammar engine the exec commands use (top.py, acl.py, mqc.py, interfaces.py, aaa.py)."""
