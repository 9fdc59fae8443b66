"""The compiled attribute walk, built where a C compiler and Python's headers are present;
`optional` keeps `pip install` working without them (the codec then decodes in Python)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("genetlink.codec._cwalk", ["src/genetlink/codec/_cwalk.c"], optional=True,
                  extra_compile_args=["-O2"]),
    ]
)
