"""Use cases: plain values in, plain values out; they flush, the unit of work commits."""
