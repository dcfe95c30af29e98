"""Floors 4-5: the HTML report and figures."""
