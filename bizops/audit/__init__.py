"""The business audit and the executive memo: views over every area (floor 4).

Nine analyzers (``bizops.audit.analyzers``) read each app through its read API
(``etl.selectors``, ``finance.selectors``, ``flags.selectors``,
``bizops.core.selectors``, health's ``JobRun`` queries) and each returns an
``AnalyzerResult``; ``bizops.audit.scores`` turns them into the Alignment
Temperature and the Momentum Index; ``bizops.audit.audit`` writes the weekly
report and keeps the realignment tickets; ``bizops.audit.memo`` writes the memo.
"""
