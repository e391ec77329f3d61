"""Electronic and opto-electronic component models."""
