"""The iSAMS simulator and the demo data behind ``imlate demo``."""
