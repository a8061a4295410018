"""Benchmarks of the gate (prints figures; not tests). See docs/performance.md."""
