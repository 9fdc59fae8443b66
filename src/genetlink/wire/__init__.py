"""The wire format of Netlink and Generic Netlink: pure functions and small classes, no I/O.

Data flows one way: bytes -> messages (`message`) -> attributes (`attrs`) -> values (`codecs`).
Nothing here imports any other part of genetlink.
"""
