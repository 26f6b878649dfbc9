"""Triton kernels, shipped as ``scoreopt.kernels``.

Each kernel lives beside its plain PyTorch reference; the GPU backend fills this package.
"""
