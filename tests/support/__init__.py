"""Helpers shared by tests and benchmarks: test-data generators and the like."""
