"""The built-in readers, one module per format."""
