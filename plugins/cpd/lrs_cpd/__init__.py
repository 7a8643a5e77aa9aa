"""CPD records and portability: CPD logs (CSV, PDF, professional bodies' templates), the
complete xAPI archive, import from files and other LRSs, and forwarding to another LRS.

A first-party plugin (entry points ``cpd`` and ``cpd_nursing`` in the ``lrs`` group);
see docs/cpd.md.
"""
