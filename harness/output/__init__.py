"""Everything a run shows or writes for people and other tools: the terminal table (``render``), the HTML report,
the leaderboard and its plots, GitHub annotations, the Gradescope results file, the export formats (``export``), and
``escape``, which makes student-controlled text inert for each of them.

Why a package: these read finished :class:`harness.results.SubmissionResult` objects and nothing else; none of
them grades.
"""
