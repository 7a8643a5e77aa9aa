"""Storage: the contract every backend satisfies (:mod:`lrs.store.base`) and the backends."""
