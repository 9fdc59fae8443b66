"""genetlink: Netlink and Generic Netlink for Python.

`import genetlink` stays cheap: it imports neither the CLI, nor asyncio, nor YAML.
"""

__version__ = "0.1.0"
