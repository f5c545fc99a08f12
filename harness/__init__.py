"""grader: grading and benchmarks for the Keras RNN/CNN course."""

__version__ = "0.1.0"
