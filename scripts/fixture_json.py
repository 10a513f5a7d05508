"""JSON helpers shared by the fixture generators: JSON has no nan/inf, so they travel as strings."""
import math


def number(v):
    """A float for JSON: nan and infinities as the strings 'nan', 'inf', '-inf'."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    return [number(v) for v in t.detach().reshape(-1).tolist()]
