#!/usr/bin/python3
"""torch_blas.py — which BLAS library Debian's torch multiplies its matrices with.

Usage:  /usr/bin/python3 bench/torch_blas.py        prints the library's path; exit 1 if not OpenBLAS

Debian builds torch against the generic libblas.so.3, which the alternatives system points at
whichever BLAS is installed with the highest priority: OpenBLAS (libopenblas0-pthread), BLIS,
or the plain reference BLAS, which every torch installation pulls in. The Dense layers' GEMMs
run on it. On the reference BLAS torch's epochs take several times as long (chapter 10 §8 and
chapter 12 §10 give the figures), so a race against it says nothing about our code: the races
check this first. The yardstick figures in ../shared/peers were measured on OpenBLAS.
"""
import re
import sys

OPENBLAS_PACKAGE = "libopenblas0-pthread"


def loaded_blas():
    """The path of the BLAS library mapped into this process after a torch matrix product, or
    None when none is mapped. Imports torch (set the BLAS thread variables before calling)."""
    import torch

    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # the library is loaded by the first product at the latest
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
    for path in sorted(paths):
        if re.search(r"/lib(open)?blas[^/]*\.so|/libblis[^/]*\.so", path):
            return path
    return None


def is_openblas(path):
    return path is not None and "openblas" in path


def advice(path):
    """One line saying what torch multiplies with and, unless it is OpenBLAS, how to fix that."""
    if is_openblas(path):
        return f"torch's BLAS: {path}"
    return (f"torch's BLAS is {path or 'not found'}, not OpenBLAS: its matrix products run several times "
            f"slower than they can. Install OpenBLAS (apt-get install {OPENBLAS_PACKAGE}); Debian then points "
            "libblas.so.3 at it")


if __name__ == "__main__":
    found = loaded_blas()
    print(found or "none")
    sys.exit(0 if is_openblas(found) else 1)
