"""The ground floor: files written atomically, text decoding, safe paths, the lock, worker processes and threads,
compact pickling, and what a run keeps from the last one. Knows nothing of subsidies."""
