"""What a run keeps between runs and decides from it: the SQLite cache of answers and parses
(:mod:`~docgen.store.cache`), the docs' JSON form (:mod:`~docgen.store.serialize`), hashes and
fingerprints (:mod:`~docgen.store.keys`), and incremental planning and ``docgen check``
(:mod:`~docgen.store.plan`). It imports only the records: the stages that own a key make it.
"""
