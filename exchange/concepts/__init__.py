"""Concepts: papers, plans and experience that officials share (above documents)."""
