"""The exercise checker's engine: what runs a submission, what grades it, what it writes.

The trusted side (:mod:`grading`, :mod:`mistakes`, :mod:`batch`, :mod:`feedback`) holds the
cases, the references and every result file and never runs a submission; the untrusted side
(:mod:`runner`, :mod:`guard`, :mod:`box`) runs it on the case inputs only, in a forked child
(:mod:`fork`, for ``check()`` in a notebook) or in a sandbox (:mod:`sandbox`, for
``python -m lossedu check`` and ``grade``). The exercises themselves live in
:mod:`lossedu.exercises`.
"""
