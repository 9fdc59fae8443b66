"""The runtime codec of a family: requests from dicts, replies to lazy mappings, JSON rendering.

    codec = FamilyCodec(family)
    cmd, body = codec.encode("dev-get", {"ifindex": 1})
    reply = codec.decode(msg)          # Decoded: a lazy Mapping over the received bytes
"""

from genetlink.codec.decode import Mismatched
from genetlink.codec.family import Decoded, FamilyCodec
from genetlink.codec.render import jsonable

__all__ = ["Decoded", "FamilyCodec", "Mismatched", "jsonable"]
