"""One BLAS thread for scikit-learn's L-BFGS fits on sparse text features.

Their time is in L-BFGS-B's vector updates, hundreds of short BLAS calls per fit over vectors as long as
the vocabulary (or the hashed-bigram buckets). OpenBLAS splits each call over a thread per core, and the
hand-offs cost more than the arithmetic: on the bundled reviews (2 cores), the baselines took 47 s with a
thread per core and 11 s with one, the wide part's validation fit 37 s and 13 s; when the cores are busy
with other work, up to 40 times the single thread's CPU time. Same coefficients either way.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

#: Decorates a function that fits: BLAS runs on one thread during the call, as it was before afterwards.
one_blas_thread = threadpool_limits.wrap(limits=1, user_api="blas")
