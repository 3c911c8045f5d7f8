"""A freelancer's records out as one ZIP, and back in: export, import, and their checks."""
