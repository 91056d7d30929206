"""Writers: each turns the course model into one kind of output and knows no other writer.

A writer returns ``{relative path: bytes}``; :mod:`branchbook.build` decides where and how the
files are written (only when changed, atomically).
"""
