from flags.admin import experiments, flags, keys

__all__ = ["experiments", "flags", "keys"]
