"""Private layer of :mod:`boostfocal.serving`: what is served, its trees, its ONNX graph, the export command."""
