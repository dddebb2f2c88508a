"""Benchmarks and the bulk loader that builds large lineage graphs in the public graph model."""
