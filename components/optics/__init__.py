"""Optical component models."""
