"""Readers: turn course files into plain data plus a map from data paths to source positions."""
