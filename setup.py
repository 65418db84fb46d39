"""Builds the C fast path, qfp_model.qfp._fastpath, through cffi; everything else is in pyproject.toml."""
from setuptools import setup

setup(cffi_modules=["qfp/_build.py:ffibuilder"])
