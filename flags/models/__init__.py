from flags.models.experiment import Conversion, Experiment, ExperimentAnalysis, ExperimentResult, Exposure
from flags.models.flag import ClientKey, Flag, ScheduledChange, SnapshotVersion

__all__ = [
    "ClientKey",
    "Conversion",
    "Experiment",
    "ExperimentAnalysis",
    "ExperimentResult",
    "Exposure",
    "Flag",
    "ScheduledChange",
    "SnapshotVersion",
]
