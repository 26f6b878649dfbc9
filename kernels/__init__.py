"""Triton kernels, shipped as ``scoreopt.kernels`` (the ``backend="triton"`` path).

Each kernel lives beside its plain PyTorch reference:

* :mod:`.evaluate`: batched evaluation and gradients (``evaluate_triton`` / ``evaluate_reference``);
* :mod:`.smoothing`: the fused smoothing estimator and the core's Philox noise
  (``estimate_triton`` / ``estimate_reference``, ``noise_triton`` / ``noise_reference``);
* :mod:`.compile_check`: compiles the kernels for a GPU target without a GPU.

The modules import ``torch`` and ``triton``; ``scoreopt`` itself imports neither.
"""
